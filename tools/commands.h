/* tools/commands.h - the vouch subcommands that live in their own files.
 * Each takes argv with argv[0] = the subcommand name and returns the exit
 * code. */
#ifndef VOUCH_TOOLS_COMMANDS_H
#define VOUCH_TOOLS_COMMANDS_H

/* vouch gen sgx ...: synthetic evidence (tools/cmd_gen.c). */
int vouch_cmd_gen(int argc, char **argv);

#endif /* VOUCH_TOOLS_COMMANDS_H */
