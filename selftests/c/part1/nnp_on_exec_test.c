// SPDX-License-Identifier: GPL-2.0
/*
 * LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC: no_new_privs is set at the exec that
 * enforces a staged domain, never earlier, and that exec gains no
 * privileges from set-user-ID bits.
 *
 * Every test fails on a kernel whose Landlock ABI is older than 12, with a
 * reason on its result line.
 */

#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>

#include "kselftest_harness.h"

#include "on_exec_common.h"

/* NNP_ON_EXEC leaves no_new_privs clear in the caller, also after failed execs, and sets it in the new program. */
TEST_F(tree, set_only_by_exec)
{
	char missing[PATH_MAX], unknown_format[PATH_MAX];
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	REQUIRE_ROOT("to stage without no_new_privs (CAP_SYS_ADMIN)");
	strcpy(missing, file_tree_path(&self->files, "missing"));
	strcpy(unknown_format, file_tree_path(&self->files, "unknown-format"));
	write_file(_metadata, unknown_format, "neither ELF nor a script\n", 0755);
	ruleset_fd = create_harmless_ruleset(_metadata);
	ASSERT_EQ(0, no_new_privs());

	stage(_metadata, ruleset_fd, LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
	close(ruleset_fd);
	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("staging must not set no_new_privs on the caller");
	}

	EXPECT_EQ(ENOENT, failed_exec_errno(missing));
	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("an exec that failed with ENOENT must not set no_new_privs");
	}
	EXPECT_EQ(ENOEXEC, failed_exec_errno(unknown_format));
	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("an exec that failed with ENOEXEC must not set no_new_privs");
	}

	EXPECT_EQ(1, run_probe(_metadata, "nnp", NULL))
	{
		TH_LOG("the exec'd program must run with no_new_privs");
	}
	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("a child's exec must not set no_new_privs on the caller");
	}
}

/* ON_EXEC alone leaves no_new_privs clear in the new program. */
TEST(on_exec_alone_leaves_it_clear)
{
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	REQUIRE_ROOT("to stage without no_new_privs (CAP_SYS_ADMIN)");
	ruleset_fd = create_harmless_ruleset(_metadata);

	stage(_metadata, ruleset_fd, 0);
	close(ruleset_fd);

	EXPECT_EQ(0, run_probe(_metadata, "nnp", NULL))
	{
		TH_LOG("only NNP_ON_EXEC sets no_new_privs at exec");
	}
}

/*
 * A set-user-ID-root copy of on_exec_probe on a tmpfs mounted without
 * nosuid, whatever /tmp is.  The mount lives in a mount namespace of the
 * test's own, so it goes away with the test even when an assertion aborts.
 */
FIXTURE(setuid_root)
{
	char dir[PATH_MAX];
	char program[PATH_MAX];
};

static void copy_file(struct __test_metadata *const _metadata,
		      const char *const from, const char *const to)
{
	char buffer[65536];
	int in, out;
	ssize_t count;

	in = open(from, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, in);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	ASSERT_LE(0, out);
	while ((count = read(in, buffer, sizeof(buffer))) > 0)
		ASSERT_EQ(count, write(out, buffer, count));
	ASSERT_EQ(0, count);
	close(in);
	ASSERT_EQ(0, close(out));
}

FIXTURE_SETUP(setuid_root)
{
	self->dir[0] = '\0';
	if (geteuid() != 0)
		return;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(self->dir, "/tmp/landlock-c-suid-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", 0, "mode=0755"))
	{
		TH_LOG("mounting a tmpfs on %s failed with %s", self->dir,
		       strerrorname_np(errno));
	}
	snprintf(self->program, sizeof(self->program), "%s/" PROBE_NAME,
		 self->dir);
	copy_file(_metadata, probe_path(_metadata), self->program);
	ASSERT_EQ(0, chown(self->program, 0, 0));
	ASSERT_EQ(0, chmod(self->program, 04755));
}

FIXTURE_TEARDOWN(setuid_root)
{
	if (!self->dir[0])
		return;

	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/*
 * Runs the set-user-ID-root program as an unprivileged user, after staging
 * with ON_EXEC|NNP_ON_EXEC if @stage_nnp, and returns its exit status:
 * PROBE_ROOT or PROBE_NOT_ROOT.
 */
static int run_setuid_root_unprivileged(struct __test_metadata *const _metadata,
					const char *const program,
					const bool stage_nnp)
{
	char *const argv[] = { (char *)program, "is-root", NULL };
	int status;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (setgroups(0, NULL) || setgid(UNPRIVILEGED_UID) ||
		    setuid(UNPRIVILEGED_UID))
			_exit(100);
		if (stage_nnp) {
			const int ruleset_fd =
				ll_create_fs_ruleset(LANDLOCK_ACCESS_FS_MAKE_FIFO);

			if (ruleset_fd < 0 ||
			    ll_restrict_self(ruleset_fd,
					     LANDLOCK_RESTRICT_SELF_ON_EXEC |
						     LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC))
				_exit(101);
		}
		execve(program, argv, environ);
		_exit(102);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_GT(100, WEXITSTATUS(status))
	{
		TH_LOG("the unprivileged child failed before or at exec: exit code %d (100 setuid, 101 staging, 102 execve)",
		       WEXITSTATUS(status));
	}
	return WEXITSTATUS(status);
}

/* An unprivileged caller that stages with NNP_ON_EXEC gets no root from a set-user-ID-root program. */
TEST_F(setuid_root, ignored_at_exec)
{
	REQUIRE_ON_EXEC();
	REQUIRE_ROOT("to mount a tmpfs and make a set-user-ID-root program");

	ASSERT_EQ(PROBE_ROOT,
		  run_setuid_root_unprivileged(_metadata, self->program, false))
	{
		TH_LOG("without staging, uid %d must get euid 0 from %s; set-user-ID does not work here, so the test shows nothing",
		       UNPRIVILEGED_UID, self->program);
	}

	EXPECT_EQ(PROBE_NOT_ROOT,
		  run_setuid_root_unprivileged(_metadata, self->program, true))
	{
		TH_LOG("the exec that consumes an NNP_ON_EXEC staging must ignore the set-user-ID bit");
	}
}

TEST_HARNESS_MAIN
