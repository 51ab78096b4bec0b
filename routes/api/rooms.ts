import { ROOM_PAGE_DEFAULT, RoomListQuery, type RoomListResponse } from "../../lib/protocol/mod.ts";
import { errorResponse } from "../../lib/server/http/mod.ts";
import { define } from "../../utils.ts";

/**
 * `GET /api/rooms?limit=&cursor=`: a page of the rooms (`general` included),
 * by name after `cursor`, with the number of users online in each, and the
 * cursor of the next page (`next`, null after the last).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const query = RoomListQuery.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!query.success) return errorResponse(400, "bad_request", query.error.issues[0].message);
    const { limit = ROOM_PAGE_DEFAULT, cursor } = query.data;
    const page = await ctx.state.services.rooms.listRooms({ after: cursor, limit });
    return Response.json({ rooms: page.rooms, next: page.next } satisfies RoomListResponse);
  },
});
