/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Landlock uapi that the harness's C selftests use, with fallbacks for
 * older headers: the tests must build against the base kernel's headers
 * (and the build host's), where the series' flags do not exist yet.
 */

#ifndef LANDLOCK_SERIES_H
#define LANDLOCK_SERIES_H

#include <linux/landlock.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif /* __NR_landlock_create_ruleset */

#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif /* __NR_landlock_add_rule */

#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif /* __NR_landlock_restrict_self */

#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif /* LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF */

#ifndef LANDLOCK_RESTRICT_SELF_TSYNC
#define LANDLOCK_RESTRICT_SELF_TSYNC (1U << 3)
#endif /* LANDLOCK_RESTRICT_SELF_TSYNC */

#ifndef LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS
#define LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS (1U << 4)
#endif /* LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS */

/* Part 1 of the series: stage the domain (and no_new_privs) for the next execve(2). */
#ifndef LANDLOCK_RESTRICT_SELF_ON_EXEC
#define LANDLOCK_RESTRICT_SELF_ON_EXEC (1U << 5)
#endif /* LANDLOCK_RESTRICT_SELF_ON_EXEC */

#ifndef LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC
#define LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC (1U << 6)
#endif /* LANDLOCK_RESTRICT_SELF_NNP_ON_EXEC */

/* The first Landlock ABI version with the two flags above. */
#define LANDLOCK_ABI_ON_EXEC 12

/* Maximum number of stacked domains (security/landlock/limits.h). */
#define LANDLOCK_MAX_LAYERS 16

/*
 * Only the first member of struct landlock_ruleset_attr, which every ABI
 * version accepts: the headers of older kernels have a shorter struct.
 */
struct ll_fs_ruleset_attr {
	__u64 handled_access_fs;
};

static inline int ll_create_fs_ruleset(const __u64 handled_access_fs)
{
	const struct ll_fs_ruleset_attr attr = {
		.handled_access_fs = handled_access_fs,
	};

	return syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
}

/* Returns the Landlock ABI version, or -1 with errno set (EOPNOTSUPP, ENOSYS). */
static inline int ll_abi_version(void)
{
	return syscall(__NR_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION);
}

static inline int ll_add_path_beneath(const int ruleset_fd,
				      const __u64 allowed_access,
				      const int parent_fd)
{
	const struct landlock_path_beneath_attr attr = {
		.allowed_access = allowed_access,
		.parent_fd = parent_fd,
	};

	return syscall(__NR_landlock_add_rule, ruleset_fd,
		       LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
}

static inline int ll_restrict_self(const int ruleset_fd, const __u32 flags)
{
	return syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}

#endif /* LANDLOCK_SERIES_H */
