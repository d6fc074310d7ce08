// SPDX-License-Identifier: GPL-2.0
/*
 * LANDLOCK_RESTRICT_SELF_ON_EXEC: landlock_restrict_self(2) stages a
 * domain that the next execve(2) enforces, and leaves the caller as it was.
 *
 * Except for flags_follow_abi, every test fails on a kernel whose Landlock
 * ABI is older than 12, with a reason on its result line.
 */

#define _GNU_SOURCE
#include "kselftest_harness.h"

#include "on_exec_common.h"

/* The kernel has the series: Landlock ABI 12 or later. */
TEST(abi_version)
{
	REQUIRE_ON_EXEC();

	TH_LOG("Landlock ABI version: %d", ll_abi_version());
}

/* Before ABI 12 the kernel rejects both flags with EINVAL; from ABI 12 on it accepts them. */
TEST(flags_follow_abi)
{
	int abi, ruleset_fd;

	REQUIRE_LANDLOCK();
	abi = ll_abi_version();
	ruleset_fd = create_harmless_ruleset(_metadata);
	/* With no_new_privs set, only the flags decide the outcome. */
	set_no_new_privs(_metadata);

	if (abi < LANDLOCK_ABI_ON_EXEC) {
		TH_LOG("Landlock ABI %d: the kernel must reject ON_EXEC and NNP_ON_EXEC as unknown flags",
		       abi);
		EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
				      LANDLOCK_RESTRICT_SELF_ON_EXEC);
		EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
				      LANDLOCK_RESTRICT_SELF_ON_EXEC |
					      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
		EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
				      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
	} else {
		EXPECT_EQ(0, ll_restrict_self(ruleset_fd,
					      LANDLOCK_RESTRICT_SELF_ON_EXEC));
		EXPECT_EQ(0, ll_restrict_self(ruleset_fd,
					      LANDLOCK_RESTRICT_SELF_ON_EXEC |
						      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC));
	}
	close(ruleset_fd);
}

/* NNP_ON_EXEC without ON_EXEC, ON_EXEC with TSYNC, and unknown bits are EINVAL and change nothing. */
TEST(invalid_flags)
{
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	REQUIRE_ROOT("to stage without no_new_privs (CAP_SYS_ADMIN)");
	ruleset_fd = create_harmless_ruleset(_metadata);

	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS);
	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_TSYNC);
	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_TSYNC);
	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC | (1U << 7));
	EXPECT_RESTRICT_FAILS(EINVAL, ruleset_fd,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC | (1U << 31));

	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("a rejected call must not set no_new_privs");
	}
	EXPECT_EQ(0, run_probe(_metadata, "nnp", NULL))
	{
		TH_LOG("a rejected NNP_ON_EXEC must not stage no_new_privs");
	}

	/* The valid call comes last, so the EINVALs above are about the flags. */
	EXPECT_EQ(0, ll_restrict_self(ruleset_fd, LANDLOCK_RESTRICT_SELF_ON_EXEC));
	close(ruleset_fd);
}

/* Staging needs a ruleset: -1 is EINVAL, even with LOG_SUBDOMAINS_OFF, which allows -1 alone. */
TEST(ruleset_fd_minus_one)
{
	REQUIRE_ON_EXEC();
	set_no_new_privs(_metadata);

	EXPECT_RESTRICT_FAILS(EINVAL, -1, LANDLOCK_RESTRICT_SELF_ON_EXEC);
	EXPECT_RESTRICT_FAILS(EINVAL, -1,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC);
	EXPECT_RESTRICT_FAILS(EINVAL, -1,
			      LANDLOCK_RESTRICT_SELF_ON_EXEC |
				      LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF);

	EXPECT_EQ(0, ll_restrict_self(-1, LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF))
	{
		TH_LOG("without ON_EXEC, -1 with LOG_SUBDOMAINS_OFF stays valid: %s",
		       strerrorname_np(errno));
	}
}

/* Without no_new_privs and CAP_SYS_ADMIN, ON_EXEC is EPERM unless NNP_ON_EXEC comes with it. */
TEST(unprivileged_needs_no_new_privs)
{
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	REQUIRE_ROOT("to switch to an unprivileged user");
	ruleset_fd = create_harmless_ruleset(_metadata);
	become_unprivileged(_metadata);
	ASSERT_EQ(0, no_new_privs());

	EXPECT_RESTRICT_FAILS(EPERM, ruleset_fd, LANDLOCK_RESTRICT_SELF_ON_EXEC);

	EXPECT_EQ(0, ll_restrict_self(ruleset_fd,
				      LANDLOCK_RESTRICT_SELF_ON_EXEC |
					      LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC));
	EXPECT_EQ(0, no_new_privs())
	{
		TH_LOG("NNP_ON_EXEC must not set no_new_privs before the exec");
	}

	set_no_new_privs(_metadata);
	EXPECT_EQ(0, ll_restrict_self(ruleset_fd, LANDLOCK_RESTRICT_SELF_ON_EXEC));
	close(ruleset_fd);
}

/* With 16 layers already enforced, staging one more is E2BIG at call time, and exec still works. */
TEST(layer_limit)
{
	int ruleset_fd, layer;

	REQUIRE_ON_EXEC();
	set_no_new_privs(_metadata);
	ruleset_fd = create_harmless_ruleset(_metadata);
	for (layer = 1; layer <= LANDLOCK_MAX_LAYERS; layer++)
		ASSERT_EQ(0, ll_restrict_self(ruleset_fd, 0));

	EXPECT_RESTRICT_FAILS(E2BIG, ruleset_fd, LANDLOCK_RESTRICT_SELF_ON_EXEC);

	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", "/proc/self/status"))
	{
		TH_LOG("a program must still exec after the rejected staging");
	}
	close(ruleset_fd);
}

/* With 15 layers enforced, a staged 16th fits: staging and exec both succeed. */
TEST(layer_limit_reached)
{
	int ruleset_fd, layer;

	REQUIRE_ON_EXEC();
	set_no_new_privs(_metadata);
	ruleset_fd = create_harmless_ruleset(_metadata);
	for (layer = 1; layer < LANDLOCK_MAX_LAYERS; layer++)
		ASSERT_EQ(0, ll_restrict_self(ruleset_fd, 0));

	stage(_metadata, ruleset_fd, 0);

	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", "/proc/self/status"))
	{
		TH_LOG("the exec into the 16th layer must succeed");
	}
	close(ruleset_fd);
}

/* After staging the caller is unrestricted; the program it execs runs in the staged domain. */
TEST_F(tree, restricts_only_new_program)
{
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	ruleset_fd = create_read_ruleset(_metadata, self->files.allowed_dir);

	stage(_metadata, ruleset_fd, 0);
	close(ruleset_fd);

	EXPECT_EQ(0, read_errno(self->files.denied_file))
	{
		TH_LOG("a staged domain must not restrict the caller");
	}
	EXPECT_EQ(PROBE_DENIED, run_probe(_metadata, "access", self->files.denied_file))
	{
		TH_LOG("the exec'd program must run in the staged domain");
	}
	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", self->files.allowed_file));
	EXPECT_EQ(0, read_errno(self->files.denied_file))
	{
		TH_LOG("a child's exec must not restrict the caller");
	}
}

/* Rules added to the ruleset after staging do not reach the staged domain. */
TEST_F(tree, staged_snapshot)
{
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	ruleset_fd = create_read_ruleset(_metadata, self->files.allowed_dir);

	stage(_metadata, ruleset_fd, 0);
	allow_beneath(_metadata, ruleset_fd, LANDLOCK_ACCESS_FS_READ_FILE,
		      self->files.denied_dir);
	close(ruleset_fd);

	EXPECT_EQ(PROBE_DENIED, run_probe(_metadata, "access", self->files.denied_file))
	{
		TH_LOG("a rule added after staging must not reach the staged domain");
	}
	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", self->files.allowed_file));
}

/* A second staging replaces the first one instead of stacking on it. */
TEST_F(tree, second_staging_replaces)
{
	int first_fd, second_fd;

	REQUIRE_ON_EXEC();
	first_fd = create_read_ruleset(_metadata, self->files.allowed_dir);
	second_fd = create_read_ruleset(_metadata, self->files.denied_dir);

	stage(_metadata, first_fd, 0);
	stage(_metadata, second_fd, 0);
	close(first_fd);
	close(second_fd);

	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", self->files.denied_file))
	{
		TH_LOG("the second staging allows it; a stacked first one would not");
	}
	EXPECT_EQ(PROBE_DENIED, run_probe(_metadata, "access", self->files.allowed_file))
	{
		TH_LOG("only the replaced first staging allowed it");
	}
}

/* Execs that fail before the point of no return (ENOENT, EACCES, ENOEXEC) keep the staging. */
TEST_F(tree, failed_exec_keeps_staging)
{
	char missing[PATH_MAX], not_executable[PATH_MAX], unknown_format[PATH_MAX];
	int ruleset_fd;

	REQUIRE_ON_EXEC();
	strcpy(missing, file_tree_path(&self->files, "missing"));
	strcpy(not_executable, file_tree_path(&self->files, "not-executable"));
	strcpy(unknown_format, file_tree_path(&self->files, "unknown-format"));
	write_file(_metadata, not_executable, "#!/bin/sh\n", 0644);
	write_file(_metadata, unknown_format, "neither ELF nor a script\n", 0755);
	ruleset_fd = create_read_ruleset(_metadata, self->files.allowed_dir);

	stage(_metadata, ruleset_fd, 0);
	close(ruleset_fd);

	EXPECT_EQ(ENOENT, failed_exec_errno(missing));
	EXPECT_EQ(EACCES, failed_exec_errno(not_executable));
	/* ENOEXEC comes after the LSM hooks of bprm_execve() have run. */
	EXPECT_EQ(ENOEXEC, failed_exec_errno(unknown_format));

	EXPECT_EQ(0, read_errno(self->files.denied_file))
	{
		TH_LOG("a failed exec must not enforce the staged domain");
	}
	EXPECT_EQ(PROBE_DENIED, run_probe(_metadata, "access", self->files.denied_file))
	{
		TH_LOG("the staging must survive the failed execs");
	}
	EXPECT_EQ(PROBE_ALLOWED, run_probe(_metadata, "access", self->files.allowed_file));
}

/* A forked child inherits the staging: unrestricted until its own exec, restricted after it. */
TEST_F(tree, fork_inherits_staging)
{
	int ruleset_fd, status;
	pid_t child;

	REQUIRE_ON_EXEC();
	ruleset_fd = create_read_ruleset(_metadata, self->files.allowed_dir);

	stage(_metadata, ruleset_fd, 0);
	close(ruleset_fd);

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char *const argv[] = { (char *)probe_path(_metadata), "access",
				       self->files.denied_file, NULL };

		/* Before its exec, the child is as unrestricted as its parent. */
		if (read_errno(self->files.denied_file))
			_exit(100);
		execve(argv[0], argv, environ);
		_exit(101);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(100, WEXITSTATUS(status))
	{
		TH_LOG("the forked child must be unrestricted before its exec");
	}
	EXPECT_EQ(PROBE_DENIED, WEXITSTATUS(status))
	{
		TH_LOG("the forked child's exec must enforce the inherited staging");
	}

	EXPECT_EQ(0, read_errno(self->files.denied_file))
	{
		TH_LOG("the child's exec must not restrict the parent");
	}
	EXPECT_EQ(PROBE_DENIED, run_probe(_metadata, "access", self->files.denied_file))
	{
		TH_LOG("the child's exec must not consume the parent's staging");
	}
}

TEST_HARNESS_MAIN
