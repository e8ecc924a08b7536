/* tools/cmd_gen.c - vouch gen (being written). */
#include <stdio.h>

#include "tools/commands.h"

int vouch_cmd_gen(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "vouch gen: not available yet\n");
  return 3;
}
