import { ROOM_PAGE_DEFAULT, RoomListQuery, type RoomListResponse } from "../../lib/protocol/mod.ts";
import { authenticateRequest } from "../../lib/server/auth/mod.ts";
import { bearerTokenOf, errorResponse } from "../../lib/server/http/mod.ts";
import { define } from "../../utils.ts";

/**
 * `GET /api/rooms?limit=&cursor=`: a page of the rooms the caller may see (the
 * public ones, `general` always, and with a bearer token the private rooms and
 * direct messages they belong to), by name after `cursor`, each with its
 * members, who is online and whether the caller is a member; and the cursor
 * of the next page (`next`, null after the last). Without a token: the public
 * rooms, none joined.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    let user;
    if (bearerTokenOf(ctx.req) !== undefined) {
      const caller = await authenticateRequest(ctx.req, services.tokens);
      if (!caller.ok) return caller.response;
      user = caller.user;
    }
    const query = RoomListQuery.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!query.success) return errorResponse(400, "bad_request", query.error.issues[0].message);
    const { limit = ROOM_PAGE_DEFAULT, cursor } = query.data;
    const page = await services.rooms.listRooms({ user, after: cursor, limit });
    return Response.json({ rooms: page.rooms, next: page.next } satisfies RoomListResponse, {
      headers: user ? { "cache-control": "no-store" } : {},
    });
  },
});
