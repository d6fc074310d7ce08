/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the part 1 tests: requirements, rulesets, staging, a
 * temporary file tree, and exec'ing on_exec_probe to see what a new
 * program may do.  Include after kselftest_harness.h.
 */

#ifndef ON_EXEC_COMMON_H
#define ON_EXEC_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock_series.h"
#include "probe.h"

#define UNPRIVILEGED_UID 1000

extern char **environ;

/*
 * Fails the test with a reason that also goes on its result line
 * ("not ok 1 global.name #  reason"), the way SKIP() gives a reason to a
 * skip.  kselftest_harness.h has no such macro.
 */
#define FAIL_WITH_REASON(statement, fmt, ...)                            \
	do {                                                             \
		snprintf(_metadata->results->reason,                     \
			 sizeof(_metadata->results->reason), fmt,        \
			 ##__VA_ARGS__);                                 \
		TH_LOG("%s", _metadata->results->reason);                \
		_metadata->exit_code = KSFT_FAIL;                        \
		statement;                                               \
	} while (0)

/* Skips the test when Landlock is not available at all. */
#define REQUIRE_LANDLOCK()                                                  \
	do {                                                                \
		if (ll_abi_version() < 0)                                   \
			SKIP(return,                                        \
			     "Landlock is not available: landlock_create_ruleset() failed with %s", \
			     strerrorname_np(errno));                       \
	} while (0)

/*
 * Fails the test when the kernel lacks part 1's flags, which are what the
 * test checks: a kernel without the series must not look green.
 */
#define REQUIRE_ON_EXEC()                                                   \
	do {                                                                \
		REQUIRE_LANDLOCK();                                         \
		if (ll_abi_version() < LANDLOCK_ABI_ON_EXEC)                \
			FAIL_WITH_REASON(return,                            \
					 "kernel Landlock ABI %d lacks LANDLOCK_RESTRICT_SELF_ON_EXEC (needs %d)", \
					 ll_abi_version(), LANDLOCK_ABI_ON_EXEC); \
	} while (0)

/* Skips the test unless it runs as root, as it does in the guest. */
#define REQUIRE_ROOT(purpose)                                               \
	do {                                                                \
		if (geteuid() != 0)                                         \
			SKIP(return, "needs root " purpose "; running as euid %u", \
			     geteuid());                                    \
	} while (0)

static int __maybe_unused create_ruleset(struct __test_metadata *const _metadata,
			  const __u64 handled_access_fs)
{
	const int ruleset_fd = ll_create_fs_ruleset(handled_access_fs);

	ASSERT_LE(0, ruleset_fd)
	{
		TH_LOG("landlock_create_ruleset(0x%llx) failed with %s",
		       (unsigned long long)handled_access_fs,
		       strerrorname_np(errno));
	}
	return ruleset_fd;
}

/*
 * A ruleset that handles only making FIFOs and has no rule: its domain
 * denies nothing that a test or an exec'd program needs.
 */
static int __maybe_unused create_harmless_ruleset(struct __test_metadata *const _metadata)
{
	return create_ruleset(_metadata, LANDLOCK_ACCESS_FS_MAKE_FIFO);
}

static void __maybe_unused allow_beneath(struct __test_metadata *const _metadata,
			  const int ruleset_fd, const __u64 access,
			  const char *const path)
{
	const int parent_fd = open(path, O_PATH | O_CLOEXEC);

	ASSERT_LE(0, parent_fd)
	{
		TH_LOG("open(%s, O_PATH) failed with %s", path,
		       strerrorname_np(errno));
	}
	ASSERT_EQ(0, ll_add_path_beneath(ruleset_fd, access, parent_fd))
	{
		TH_LOG("landlock_add_rule(%s) failed with %s", path,
		       strerrorname_np(errno));
	}
	close(parent_fd);
}

static void __maybe_unused stage(struct __test_metadata *const _metadata,
		  const int ruleset_fd, const __u32 extra_flags)
{
	ASSERT_EQ(0, ll_restrict_self(ruleset_fd,
				      LANDLOCK_RESTRICT_SELF_ON_EXEC |
					      extra_flags))
	{
		TH_LOG("landlock_restrict_self(ON_EXEC | 0x%x) failed with %s",
		       extra_flags, strerrorname_np(errno));
	}
}

/* Expects landlock_restrict_self() to fail with @expected_errno. */
#define EXPECT_RESTRICT_FAILS(expected_errno, ruleset_fd, flags)             \
	do {                                                                 \
		const int __ret = ll_restrict_self(ruleset_fd, flags);       \
		const int __err = __ret ? errno : 0;                         \
									     \
		EXPECT_EQ(expected_errno, __err)                             \
		{                                                            \
			TH_LOG("landlock_restrict_self(%d, %s): expected %s, got %s", \
			       ruleset_fd, #flags,                           \
			       strerrorname_np(expected_errno),              \
			       __err ? strerrorname_np(__err) : "success");  \
		}                                                            \
	} while (0)

static int __maybe_unused no_new_privs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static void __maybe_unused set_no_new_privs(struct __test_metadata *const _metadata)
{
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

/* Drops every group and then the user ID, which clears all capabilities. */
static void __maybe_unused become_unprivileged(struct __test_metadata *const _metadata)
{
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setgid(UNPRIVILEGED_UID));
	ASSERT_EQ(0, setuid(UNPRIVILEGED_UID));
}

/* Returns the path of on_exec_probe, which the Makefile puts beside the test. */
static const char *probe_path(struct __test_metadata *const _metadata)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t length;
	char *slash;

	if (path[0])
		return path;

	length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_LT(0, length);
	self[length] = '\0';
	slash = strrchr(self, '/');
	ASSERT_NE(NULL, slash);
	*slash = '\0';
	ASSERT_GT(sizeof(path),
		  snprintf(path, sizeof(path), "%s/" PROBE_NAME, self));
	ASSERT_EQ(0, access(path, X_OK))
	{
		TH_LOG("%s is missing: copy the whole build directory", path);
	}
	return path;
}

/*
 * Execs @program with @mode and @arg (which may be NULL) in a forked child
 * and returns its exit status.  The child inherits the caller's
 * credentials, including a staged domain, as any forked child does.
 */
static int __maybe_unused run_program(struct __test_metadata *const _metadata,
		       const char *const program, const char *const mode,
		       const char *const arg)
{
	char *const argv[] = { (char *)program, (char *)mode, (char *)arg,
			       NULL };
	int status;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		execve(program, argv, environ);
		_exit(127);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status))
	{
		TH_LOG("%s %s was killed by signal %d", program, mode,
		       WTERMSIG(status));
	}
	if (WEXITSTATUS(status) == 127)
		TH_LOG("the child's execve(%s) failed (exit code 127)", program);
	return WEXITSTATUS(status);
}

static int __maybe_unused run_probe(struct __test_metadata *const _metadata,
		     const char *const mode, const char *const arg)
{
	return run_program(_metadata, probe_path(_metadata), mode, arg);
}

/* Calls execve(2) on @path, which the test expects to fail; returns errno. */
static int __maybe_unused failed_exec_errno(const char *const path)
{
	char *const argv[] = { (char *)path, NULL };

	execve(path, argv, environ);
	return errno;
}

/*
 * A temporary directory with allowed/file and denied/file, so that a
 * ruleset can allow reading one and not the other.
 */
struct file_tree {
	char root[32];
	char allowed_dir[48];
	char denied_dir[48];
	char allowed_file[64];
	char denied_file[64];
};

static void __maybe_unused write_file(struct __test_metadata *const _metadata,
		       const char *const path, const char *const content,
		       const mode_t mode)
{
	const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	ASSERT_LE(0, fd)
	{
		TH_LOG("open(%s, O_CREAT) failed with %s", path,
		       strerrorname_np(errno));
	}
	ASSERT_EQ(strlen(content), write(fd, content, strlen(content)));
	ASSERT_EQ(0, close(fd));
	/* Sets the exact mode, whatever the umask. */
	ASSERT_EQ(0, chmod(path, mode));
}

static void __maybe_unused file_tree_create(struct __test_metadata *const _metadata,
			     struct file_tree *const tree)
{
	strcpy(tree->root, "/tmp/landlock-c-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(tree->root));
	snprintf(tree->allowed_dir, sizeof(tree->allowed_dir), "%s/allowed",
		 tree->root);
	snprintf(tree->denied_dir, sizeof(tree->denied_dir), "%s/denied",
		 tree->root);
	snprintf(tree->allowed_file, sizeof(tree->allowed_file), "%s/file",
		 tree->allowed_dir);
	snprintf(tree->denied_file, sizeof(tree->denied_file), "%s/file",
		 tree->denied_dir);
	ASSERT_EQ(0, mkdir(tree->allowed_dir, 0755));
	ASSERT_EQ(0, mkdir(tree->denied_dir, 0755));
	write_file(_metadata, tree->allowed_file, "allowed\n", 0644);
	write_file(_metadata, tree->denied_file, "denied\n", 0644);
}

/* Returns the path of @name under the tree's root, in a static buffer. */
static const char *file_tree_path(const struct file_tree *const tree,
				  const char *const name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree->root, name);
	return path;
}

/*
 * Removes what file_tree_create() and the tests made; the tests add only
 * plain files to the root.
 */
static void __maybe_unused file_tree_remove(const struct file_tree *const tree)
{
	static const char *const extra_files[] = { "missing", "not-executable",
						   "unknown-format" };
	size_t i;

	unlink(tree->allowed_file);
	unlink(tree->denied_file);
	rmdir(tree->allowed_dir);
	rmdir(tree->denied_dir);
	for (i = 0; i < sizeof(extra_files) / sizeof(extra_files[0]); i++)
		unlink(file_tree_path(tree, extra_files[i]));
	rmdir(tree->root);
}

/* A ruleset that handles reading files and allows it beneath @allowed_dir. */
static int __maybe_unused create_read_ruleset(struct __test_metadata *const _metadata,
			       const char *const allowed_dir)
{
	const int ruleset_fd =
		create_ruleset(_metadata, LANDLOCK_ACCESS_FS_READ_FILE);

	allow_beneath(_metadata, ruleset_fd, LANDLOCK_ACCESS_FS_READ_FILE,
		      allowed_dir);
	return ruleset_fd;
}

/* Returns 0 if this process can open @path for reading, or errno. */
static int __maybe_unused read_errno(const char *const path)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A file_tree for each test, removed after it. */
FIXTURE(tree)
{
	struct file_tree files;
};

FIXTURE_SETUP(tree)
{
	/* Without root, no_new_privs lets the tests stage all the same. */
	if (geteuid() != 0)
		set_no_new_privs(_metadata);
	file_tree_create(_metadata, &self->files);
}

FIXTURE_TEARDOWN(tree)
{
	file_tree_remove(&self->files);
}

#endif /* ON_EXEC_COMMON_H */
