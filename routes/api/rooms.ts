import { define } from "../../utils.ts";

/** `GET /api/rooms`: every room (`general` included) with the number of users online in it. */
export const handler = define.handlers({
  async GET(ctx) {
    return Response.json({ rooms: await ctx.state.services.rooms.listRooms() });
  },
});
