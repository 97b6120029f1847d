/* palette: role and group colours (see palette.h). */
#include "palette.h"

#include "status.h"

fl_viz_rgb fl_viz_mix(fl_viz_rgb a, fl_viz_rgb b, int pct) {
  return FL_VIZ_RGB((uint8_t)((a.r * (100 - pct) + b.r * pct) / 100),
                    (uint8_t)((a.g * (100 - pct) + b.g * pct) / 100),
                    (uint8_t)((a.b * (100 - pct) + b.b * pct) / 100));
}

fl_viz_rgb fl_viz_role_colour(int role, int64_t term) {
  /* Indexed by fl_role (status.h). Leader-like roles warm, follower-like cool, so a lane's
   * colour says who leads at a glance whatever the protocol calls it. */
  static const fl_viz_rgb roles[FL_ROLE_COUNT] = {
      [FL_ROLE_OTHER] = {235, 230, 200},      [FL_ROLE_LEADER] = {250, 214, 120},
      [FL_ROLE_FOLLOWER] = {200, 222, 245},   [FL_ROLE_CANDIDATE] = {226, 206, 245},
      [FL_ROLE_COORDINATOR] = {245, 190, 150}, [FL_ROLE_PARTICIPANT] = {205, 235, 235},
      [FL_ROLE_REPLICA] = {214, 236, 214},    [FL_ROLE_OBSERVER] = {222, 222, 222},
  };
  fl_viz_rgb c = role >= 0 && role < FL_ROLE_COUNT ? roles[role] : roles[FL_ROLE_OTHER];
  if (term >= 0 && term % 2 == 1) c = fl_viz_mix(c, FL_VIZ_RGB(0, 0, 0), 8);
  return c;
}

fl_viz_rgb fl_viz_group_colour(int32_t g) {
  static const fl_viz_rgb groups[] = {{70, 120, 230}, {235, 130, 40}, {50, 165, 100},
                                      {200, 70, 170}, {30, 170, 190}, {150, 120, 60}};
  if (g < 0) g = 0;
  return groups[g % 6];
}
