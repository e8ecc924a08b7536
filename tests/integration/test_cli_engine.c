/* The bulk CLI over a generated corpus: --shard K/N outputs together equal
 * one unsharded run (nothing twice, nothing missing); kill -9 during an
 * --ordered --output run, then --resume, equals an uninterrupted run line
 * for line; ordered output is deterministic across worker counts. */
#include <setjmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_util.h"

static const char *g_bin;
static char g_dir[128];
static char g_common[1024]; /* trust anchor, collateral, instant */

static int setup(void **state) {
  (void)state;
  g_bin = getenv("VOUCH_BIN");
  if (g_bin == NULL || access(g_bin, X_OK) != 0) return 0;
  snprintf(g_dir, sizeof(g_dir), "/tmp/vouch-cli-engine-XXXXXX");
  if (mkdtemp(g_dir) == NULL) return -1;
  if (cli_sh(NULL, "%s gen sgx --platforms 24 --quotes 2400 --mix all --seed 3 "
         "--now 2025-07-01T00:00:00Z --quiet --out %s/corpus",
         g_bin, g_dir) != 0) {
    return -1;
  }
  snprintf(g_common, sizeof(g_common),
           "--trust-anchor %s/corpus/trust-anchor.pem --collateral %s/corpus/collateral "
           "--at 2025-07-01T00:00:00Z -q",
           g_dir, g_dir);
  /* The reference: one ordered run. */
  return cli_sh(NULL, "%s verify %s --ordered --jobs 2 -o %s/ref.ndjson %s/corpus/evidence.ndjson", g_bin,
            g_common, g_dir, g_dir) <= 2
             ? 0
             : -1;
}

static int teardown(void **state) {
  (void)state;
  if (g_dir[0]) cli_sh(NULL, "rm -rf %s", g_dir);
  return 0;
}

static void test_ordered_is_deterministic(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  assert_true(cli_sh(NULL, "%s verify %s --ordered --jobs 3 --batch 5 -o %s/o3.ndjson "
                 "%s/corpus/evidence.ndjson",
                 g_bin, g_common, g_dir, g_dir) <= 2);
  assert_int_equal(cli_sh(NULL, "cmp -s %s/ref.ndjson %s/o3.ndjson", g_dir, g_dir), 0);
  /* Plain reads and writes (the fallback where io_uring is refused) give
   * the same output. */
  assert_true(cli_sh(NULL, "%s verify %s --ordered --no-io-uring -o %s/plain.ndjson "
                 "%s/corpus/evidence.ndjson",
                 g_bin, g_common, g_dir, g_dir) <= 2);
  assert_int_equal(cli_sh(NULL, "cmp -s %s/ref.ndjson %s/plain.ndjson", g_dir, g_dir), 0);
  char path[256];
  snprintf(path, sizeof(path), "%s/ref.ndjson", g_dir);
  char *ref = cli_read_file(path, NULL);
  assert_non_null(ref);
  assert_int_equal(cli_count_lines(ref), 2400);
  free(ref);
}

static void test_shards_partition(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  for (int k = 0; k < 3; k++) {
    assert_true(cli_sh(NULL, "%s verify %s --shard %d/3 --jobs 2 -o %s/s%d.ndjson %s/corpus/evidence.ndjson",
                   g_bin, g_common, k, g_dir, k, g_dir) <= 2);
    /* Each shard got a fair part. */
    char path[256];
    snprintf(path, sizeof(path), "%s/s%d.ndjson", g_dir, k);
    char *s = cli_read_file(path, NULL);
    size_t lines = cli_count_lines(s);
    print_message("shard %d/3: %zu items\n", k, lines);
    assert_true(lines > 400 && lines < 1200);
    free(s);
  }
  /* Together: exactly the reference's lines, none twice, none missing. */
  assert_int_equal(cli_sh(NULL, "cat %s/s0.ndjson %s/s1.ndjson %s/s2.ndjson | sort > %s/shards.sorted && "
                      "sort %s/ref.ndjson > %s/ref.sorted && cmp -s %s/shards.sorted %s/ref.sorted",
                      g_dir, g_dir, g_dir, g_dir, g_dir, g_dir, g_dir, g_dir),
                   0);
  assert_int_equal(cli_sh(NULL, "test -z \"$(sort %s/shards.sorted | uniq -d)\"", g_dir), 0);
}

static void test_kill_and_resume(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char out[256];
  snprintf(out, sizeof(out), "%s/resumed.ndjson", g_dir);
  /* A slow run (no cache, one worker, small batches), killed hard. */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "exec %s verify %s --ordered --no-cache --jobs 1 --batch 8 -o %s "
             "%s/corpus/evidence.ndjson",
             g_bin, g_common, out, g_dir);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  /* Wait until some results are out, then kill -9. */
  size_t len = 0;
  for (int i = 0; i < 600; i++) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    char *s = cli_read_file(out, &len);
    free(s);
    if (len > 20000) break;
  }
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  char *partial = cli_read_file(out, &len);
  assert_non_null(partial);
  size_t done = cli_count_lines(partial);
  print_message("killed after %zu complete lines (%zu bytes)\n", done, len);
  assert_true(done > 0 && done < 2400);
  free(partial);
  /* Resume (any settings): the file must end equal to the reference. */
  assert_true(cli_sh(NULL, "%s verify %s --ordered --resume --jobs 2 -o %s %s/corpus/evidence.ndjson",
                 g_bin, g_common, out, g_dir) <= 2);
  assert_int_equal(cli_sh(NULL, "cmp %s/ref.ndjson %s", g_dir, out), 0);
  /* --resume without --ordered/--output is refused with a reason. */
  assert_int_equal(cli_sh(NULL, "%s verify --resume %s/corpus/evidence.ndjson 2>/dev/null", g_bin, g_dir), 3);
}

/* A cache budget far below what a fleet needs (300 platforms with two
 * quotes each, 1 MiB where ~5 MiB are needed) evicts platforms that come
 * back later: they are verified again from their bytes, so the results are
 * those of a run with room, and the summary says so and names the option.
 * With room, no such line. */
static void test_small_cache_budget(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  assert_int_equal(cli_sh(NULL, "%s gen sgx --platforms 300 --quotes 600 --seed 5 "
                          "--now 2025-07-01T00:00:00Z --quiet --out %s/fleet",
                          g_bin, g_dir),
                   0);
  char args[1024];
  snprintf(args, sizeof(args),
           "--trust-anchor %s/fleet/trust-anchor.pem --collateral %s/fleet/collateral "
           "--at 2025-07-01T00:00:00Z --ordered --jobs 2",
           g_dir, g_dir);
  char *room = NULL, *tight = NULL;
  assert_int_equal(cli_sh(&room, "%s verify %s -o %s/fleet-room.ndjson %s/fleet/evidence.ndjson "
                          "2>&1 >/dev/null",
                          g_bin, args, g_dir, g_dir),
                   0);
  assert_int_equal(cli_sh(&tight, "%s verify %s --cache-mb 1 -o %s/fleet-tight.ndjson "
                          "%s/fleet/evidence.ndjson 2>&1 >/dev/null",
                          g_bin, args, g_dir, g_dir),
                   0);
  assert_int_equal(cli_sh(NULL, "cmp -s %s/fleet-room.ndjson %s/fleet-tight.ndjson", g_dir, g_dir),
                   0);
  assert_non_null(room);
  assert_non_null(tight);
  assert_null(strstr(room, "built again"));
  assert_non_null(strstr(tight, "cache entries were built again"));
  assert_non_null(strstr(tight, "within its 1 MiB budget"));
  assert_non_null(strstr(tight, "--cache-mb N raises it"));
  free(room);
  free(tight);
  assert_int_equal(cli_sh(NULL, "%s verify --cache-mb 0 %s/corpus/evidence.ndjson 2>/dev/null",
                          g_bin, g_dir),
                   3);
}

/* Results stream: a line written to a pipe that stays open comes back
 * before the input ends (the partial batch is flushed after a short idle
 * time, and results are written while input is awaited). */
static void test_streams_from_a_pipe(void **state) {
  (void)state;
  CLI_NEED(g_bin != NULL, "VOUCH_BIN");
  char path[256];
  snprintf(path, sizeof(path), "%s/corpus/evidence.ndjson", g_dir);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  static char line[1 << 16];
  assert_non_null(fgets(line, sizeof(line), f));
  fclose(f);
  int in[2], out[2];
  assert_int_equal(pipe(in), 0);
  assert_int_equal(pipe(out), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "exec %s verify %s -", g_bin, g_common);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  assert_int_equal(write(in[1], line, strlen(line)), (ssize_t)strlen(line));
  struct pollfd p = {.fd = out[0], .events = POLLIN};
  int ready = poll(&p, 1, 10000); /* the input is still open */
  assert_int_equal(ready, 1);
  char buf[4096];
  ssize_t n = read(out[0], buf, sizeof(buf) - 1);
  assert_true(n > 0);
  buf[n] = '\0';
  assert_non_null(strstr(buf, "\"status\":"));
  close(in[1]);
  int st;
  waitpid(pid, &st, 0);
  close(out[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ordered_is_deterministic),
      cmocka_unit_test(test_shards_partition),
      cmocka_unit_test(test_kill_and_resume),
      cmocka_unit_test(test_streams_from_a_pipe),
      cmocka_unit_test(test_small_cache_budget),
  };
  return cmocka_run_group_tests_name("cli_engine", tests, setup, teardown);
}
