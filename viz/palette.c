/* palette: role and group colours (see palette.h). */
#include "palette.h"

#include <stdbool.h>
#include <string.h>

fl_viz_rgb fl_viz_mix(fl_viz_rgb a, fl_viz_rgb b, int pct) {
  return FL_VIZ_RGB((uint8_t)((a.r * (100 - pct) + b.r * pct) / 100),
                    (uint8_t)((a.g * (100 - pct) + b.g * pct) / 100),
                    (uint8_t)((a.b * (100 - pct) + b.b * pct) / 100));
}

fl_viz_rgb fl_viz_role_colour(const char *role, int64_t term) {
  static const struct {
    const char *name;
    fl_viz_rgb c;
  } known[] = {
      {"leader", {250, 214, 120}},   {"follower", {200, 222, 245}},
      {"candidate", {226, 206, 245}}, {"peer", {214, 236, 214}},
      {"primary", {250, 214, 120}},  {"backup", {200, 222, 245}},
  };
  static const fl_viz_rgb others[] = {{245, 210, 200}, {205, 235, 235}, {235, 230, 200},
                                      {222, 222, 242}, {242, 215, 232}, {225, 240, 208}};
  fl_viz_rgb c = others[0];
  bool found = false;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(role, known[i].name) == 0) {
      c = known[i].c;
      found = true;
    }
  if (!found) {
    uint32_t h = 2166136261u; /* FNV-1a: the same role gets the same colour in every run */
    for (const char *p = role; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    c = others[h % (sizeof others / sizeof others[0])];
  }
  if (term >= 0 && term % 2 == 1) c = fl_viz_mix(c, FL_VIZ_RGB(0, 0, 0), 8);
  return c;
}

fl_viz_rgb fl_viz_group_colour(int32_t g) {
  static const fl_viz_rgb groups[] = {{70, 120, 230}, {235, 130, 40}, {50, 165, 100},
                                      {200, 70, 170}, {30, 170, 190}, {150, 120, 60}};
  if (g < 0) g = 0;
  return groups[g % 6];
}
