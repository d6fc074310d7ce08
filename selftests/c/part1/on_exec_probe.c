// SPDX-License-Identifier: GPL-2.0
/*
 * The program that the part 1 tests exec: it reports through its exit code
 * what the new program may do.  It is linked statically, so that it opens
 * no library after the exec and starts under any file access restriction.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "probe.h"

static int probe_access(const char *const path)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return PROBE_ALLOWED;
	}
	fprintf(stderr, PROBE_NAME ": open(%s): %s\n", path, strerror(errno));
	return errno == EACCES ? PROBE_DENIED : PROBE_ERROR;
}

static int probe_no_new_privs(void)
{
	const int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (nnp < 0) {
		fprintf(stderr, PROBE_NAME ": prctl(PR_GET_NO_NEW_PRIVS): %s\n",
			strerror(errno));
		return PROBE_ERROR;
	}
	return nnp;
}

int main(const int argc, char *const argv[])
{
	if (argc == 3 && strcmp(argv[1], "access") == 0)
		return probe_access(argv[2]);
	if (argc == 2 && strcmp(argv[1], "nnp") == 0)
		return probe_no_new_privs();
	if (argc == 2 && strcmp(argv[1], "is-root") == 0)
		return geteuid() == 0 ? PROBE_ROOT : PROBE_NOT_ROOT;

	fprintf(stderr, "usage: " PROBE_NAME " access PATH | nnp | is-root\n");
	return PROBE_ERROR;
}
