/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit codes of on_exec_probe, the program that the part 1 tests exec to
 * see what a new program may do.  Shared by the probe and the tests.
 */

#ifndef ON_EXEC_PROBE_H
#define ON_EXEC_PROBE_H

#define PROBE_NAME "on_exec_probe"

/* "on_exec_probe access PATH": could it open PATH for reading? */
#define PROBE_ALLOWED 0
#define PROBE_DENIED 3

/* "on_exec_probe is-root": is the effective user ID 0? */
#define PROBE_ROOT 0
#define PROBE_NOT_ROOT 1

/* "on_exec_probe nnp" exits with the no_new_privs value: 0 or 1. */

/* Any mode: bad usage or an unexpected error. */
#define PROBE_ERROR 2

#endif /* ON_EXEC_PROBE_H */
