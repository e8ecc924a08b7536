/* tools/commands.h - the vouch subcommands that live in their own files.
 * Each takes argv with argv[0] = the subcommand name and returns the exit
 * code. */
#ifndef VOUCH_TOOLS_COMMANDS_H
#define VOUCH_TOOLS_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

/* vouch_parse_count reads a command-line count: decimal digits only, in
 * [lo, hi] (tools/vouch.c). */
bool vouch_parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* vouch gen sgx ...: synthetic evidence (tools/cmd_gen.c). */
int vouch_cmd_gen(int argc, char **argv);

#endif /* VOUCH_TOOLS_COMMANDS_H */
