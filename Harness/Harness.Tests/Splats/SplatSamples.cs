namespace Harness.Tests.Splats;

/// <summary>
/// Kernel reports in the shape Linux 7.3 prints them on an x86-64 QEMU guest
/// (kernel/panic.c, lib/bug.c, arch/x86/kernel/dumpstack.c, mm/kasan/report.c,
/// kernel/locking/lockdep.c, kernel/rcu/tree_stall.h, kernel/hung_task.c),
/// with the console's printk timestamps. Addresses and offsets are made up.
/// </summary>
internal static class SplatSamples
{
    public const string Warning = """
        [   42.118227] audit: type=1423 audit(1733342100.118:93): domain=1a2b3c4d status=allocated mode=enforcing pid=311 uid=0
        [   42.120934] ------------[ cut here ]------------
        [   42.120941] WARNING: security/landlock/ruleset.c:112 at create_ruleset+0x1c4/0x1e0, CPU#1: base_test/312
        [   42.120980] Modules linked in:
        [   42.121002] CPU: 1 UID: 0 PID: 312 Comm: base_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   42.121010] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014
        [   42.121014] RIP: 0010:create_ruleset+0x1c4/0x1e0
        [   42.121020] Code: 48 89 df e8 5a 3c ff ff 48 85 c0 74 0d 48 8b 5d f8 c9 c3 cc cc cc cc <0f> 0b eb ef 66 90 0f 1f 44 00 00
        [   42.121025] RSP: 0018:ffffc90000a4fe08 EFLAGS: 00010246
        [   42.121030] RAX: 0000000000000000 RBX: ffff888003a1c000 RCX: 0000000000000000
        [   42.121033] Call Trace:
        [   42.121035]  <TASK>
        [   42.121040]  __do_sys_landlock_create_ruleset+0x9a/0x140
        [   42.121044]  do_syscall_64+0x82/0x190
        [   42.121047]  entry_SYSCALL_64_after_hwframe+0x76/0x7e
        [   42.121050]  </TASK>
        [   42.121052] ---[ end trace 0000000000000000 ]---
        [   42.121300] landlock: this line comes after the report
        """;

    public const string NullDereferenceThenPanic = """
        [   61.402113] BUG: kernel NULL pointer dereference, address: 0000000000000008
        [   61.402121] #PF: supervisor read access in kernel mode
        [   61.402125] #PF: error_code(0x0000) - not-present page
        [   61.402128] PGD 0 P4D 0
        [   61.402190] Oops: Oops: 0000 [#1] SMP NOPTI
        [   61.402199] CPU: 0 UID: 0 PID: 318 Comm: base_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   61.402210] RIP: 0010:landlock_restrict_self+0x5e/0x1b0
        [   61.402300] Call Trace:
        [   61.402302]  <TASK>
        [   61.402310]  __x64_sys_landlock_restrict_self+0x1a/0x30
        [   61.402320]  do_syscall_64+0x82/0x190
        [   61.402330]  </TASK>
        [   61.402340] Modules linked in:
        [   61.402350] CR2: 0000000000000008
        [   61.402402] ---[ end trace 0000000000000000 ]---
        [   61.402410] RIP: 0010:landlock_restrict_self+0x5e/0x1b0
        [   61.402431] Kernel panic - not syncing: Fatal exception
        [   61.402980] Kernel Offset: disabled
        [   61.403002] ---[ end Kernel panic - not syncing: Fatal exception ]---
        """;

    public const string Kasan = """
        [   12.503311] ==================================================================
        [   12.503322] BUG: KASAN: slab-use-after-free in landlock_put_ruleset+0x2c/0x90
        [   12.503330] Read of size 4 at addr ffff888004b1e010 by task fs_test/402
        [   12.503334]
        [   12.503338] CPU: 1 UID: 0 PID: 402 Comm: fs_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   12.503344] Call Trace:
        [   12.503346]  <TASK>
        [   12.503350]  dump_stack_lvl+0x53/0x70
        [   12.503355]  print_report+0xcb/0x620
        [   12.503360]  kasan_report+0xb8/0xf0
        [   12.503364]  landlock_put_ruleset+0x2c/0x90
        [   12.503368]  </TASK>
        [   12.503370]
        [   12.503372] Allocated by task 401:
        [   12.503376]  kasan_save_stack+0x30/0x50
        [   12.503380]  create_ruleset+0x41/0x1e0
        [   12.503382]
        [   12.503384] Freed by task 401:
        [   12.503386]  kfree+0x10f/0x3a0
        [   12.503388]
        [   12.503390] The buggy address belongs to the object at ffff888004b1e000
        [   12.503390]  which belongs to the cache kmalloc-64 of size 64
        [   12.503392]
        [   12.503394] Memory state around the buggy address:
        [   12.503396]  ffff888004b1df00: fa fb fb fb fb fb fb fb fc fc fc fc fc fc fc fc
        [   12.503398] >ffff888004b1e000: fa fb fb fb fb fb fb fb fc fc fc fc fc fc fc fc
        [   12.503400]                          ^
        [   12.503402] ==================================================================
        [   12.503410] Disabling lock debugging due to kernel taint
        """;

    public const string Kfence = """
        [    3.208001] ==================================================================
        [    3.208010] BUG: KFENCE: out-of-bounds read in test_out_of_bounds_read+0xa6/0x234
        [    3.208012]
        [    3.208016] Out-of-bounds read at 0xffff8c3f2e291fff (1B left of kfence-#72):
        [    3.208020]  test_out_of_bounds_read+0xa6/0x234
        [    3.208024]  kunit_try_run_case+0x61/0xa0
        [    3.208026]
        [    3.208030] kfence-#72: 0xffff8c3f2e292000-0xffff8c3f2e29201f, size=32, cache=kmalloc-32
        [    3.208032]
        [    3.208036] CPU: 0 UID: 0 PID: 107 Comm: kunit_try_catch Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [    3.208040] ==================================================================
        """;

    public const string Ubsan = """
        [    5.001100] ------------[ cut here ]------------
        [    5.001108] UBSAN: array-index-out-of-bounds in security/landlock/ruleset.c:402:22
        [    5.001112] index 16 is out of range for type 'struct landlock_layer[16]'
        [    5.001118] CPU: 1 UID: 0 PID: 330 Comm: base_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [    5.001122] Call Trace:
        [    5.001124]  <TASK>
        [    5.001128]  dump_stack_lvl+0x53/0x70
        [    5.001132]  __ubsan_handle_out_of_bounds+0xc4/0x100
        [    5.001136]  </TASK>
        [    5.001140] ---[ end trace ]---
        """;

    public const string Lockdep = """
        [   30.100001]
        [   30.100003] ======================================================
        [   30.100005] WARNING: possible circular locking dependency detected
        [   30.100007] 7.3.4 #1 Not tainted
        [   30.100009] ------------------------------------------------------
        [   30.100011] fs_test/455 is trying to acquire lock:
        [   30.100013] ffff888003c1a0b8 (&ruleset->lock){+.+.}-{4:4}, at: landlock_add_rule+0x6d/0x140
        [   30.100015]
        [   30.100017] but task is already holding lock:
        [   30.100019] ffff888003d0e228 (&sb->s_type->i_mutex_key#12){++++}-{4:4}, at: path_openat+0x1f3/0xd40
        [   30.100021]
        [   30.100023] which lock already depends on the new lock.
        [   30.100025]
        [   30.100027] the existing dependency chain (in reverse order) is:
        [   30.100029]
        [   30.100031] -> #1 (&sb->s_type->i_mutex_key#12){++++}-{4:4}:
        [   30.100033]        down_write+0x3d/0xd0
        [   30.100035]
        [   30.100037] -> #0 (&ruleset->lock){+.+.}-{4:4}:
        [   30.100039]        __lock_acquire+0x1398/0x2370
        [   30.100041]
        [   30.100043] other info that might help us debug this:
        [   30.100045]
        [   30.100047]  Possible unsafe locking scenario:
        [   30.100049]
        [   30.100051]        CPU0                    CPU1
        [   30.100053]        ----                    ----
        [   30.100055]   lock(&sb->s_type->i_mutex_key#12);
        [   30.100057]                                lock(&ruleset->lock);
        [   30.100059]
        [   30.100061]  *** DEADLOCK ***
        [   30.100063]
        [   30.100065] 1 lock held by fs_test/455:
        [   30.100067]  #0: ffff888003d0e228 (&sb->s_type->i_mutex_key#12){++++}-{4:4}, at: path_openat+0x1f3/0xd40
        [   30.100069]
        [   30.100071] stack backtrace:
        [   30.100073] CPU: 0 UID: 0 PID: 455 Comm: fs_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   30.100075] Call Trace:
        [   30.100077]  <TASK>
        [   30.100079]  dump_stack_lvl+0x68/0x90
        [   30.100081]  print_circular_bug+0x2c4/0x3b0
        [   30.100083]  </TASK>
        [   30.100300] landlock: this line comes after the report
        """;

    public const string RcuStall = """
        [   85.000001] rcu: INFO: rcu_preempt self-detected stall on CPU
        [   85.000003] rcu: 	0-....: (21002 ticks this GP) idle=a8c4/1/0x4000000000000000 softirq=4512/4512 fqs=5237
        [   85.000005] rcu: 	(t=21003 jiffies g=8721 q=1150 ncpus=2)
        [   85.000007] CPU: 0 UID: 0 PID: 470 Comm: net_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   85.000009] RIP: 0010:landlock_append_net_rule+0x42/0xa0
        [   85.000011] Call Trace:
        [   85.000013]  <IRQ>
        [   85.000015]  rcu_sched_clock_irq+0x2f1/0x11c0
        [   85.000017]  </IRQ>
        [   85.000019]  <TASK>
        [   85.000021]  landlock_append_net_rule+0x42/0xa0
        [   85.000023]  </TASK>
        """;

    public const string HungTask = """
        [  245.770001] INFO: task kworker/u8:3:57 blocked for more than 122 seconds.
        [  245.770003]       Not tainted 7.3.4 #1
        [  245.770005] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
        [  245.770007] task:kworker/u8:3    state:D stack:0     pid:57    tgid:57    ppid:2      task_flags:0x4208060 flags:0x00004000
        [  245.770009] Workqueue: events_unbound landlock_release_worker
        [  245.770011] Call Trace:
        [  245.770013]  <TASK>
        [  245.770015]  __schedule+0x3f1/0xb80
        [  245.770017]  schedule+0x27/0xd0
        [  245.770019]  </TASK>
        """;

    public const string GeneralProtectionFault = """
        [    9.120001] Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP NOPTI
        [    9.120003] CPU: 1 UID: 0 PID: 340 Comm: base_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [    9.120005] RIP: 0010:landlock_free_domain+0x18/0x70
        [    9.120007] Call Trace:
        [    9.120009]  <TASK>
        [    9.120011]  landlock_put_domain+0x2a/0x40
        [    9.120013]  </TASK>
        [    9.120015] Modules linked in:
        [    9.120017] ---[ end trace 0000000000000000 ]---
        """;

    public const string SleepingInAtomic = """
        [   14.000001] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580
        [   14.000003] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 312, name: base_test
        [   14.000005] preempt_count: 1, expected: 0
        [   14.000007] RCU nest depth: 0, expected: 0
        [   14.000009] CPU: 1 UID: 0 PID: 312 Comm: base_test Not tainted 7.3.4 #1 PREEMPT(voluntary)
        [   14.000011] Call Trace:
        [   14.000013]  <TASK>
        [   14.000015]  dump_stack_lvl+0x53/0x70
        [   14.000017]  __might_resched+0x151/0x1d0
        [   14.000019]  </TASK>
        [   14.000100] landlock: this line comes after the report
        """;
}
