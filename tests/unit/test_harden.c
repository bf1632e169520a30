// SPDX-License-Identifier: GPL-2.0
/* test_harden.c - the /proc status parser and cap names everywhere; the
 * drop itself as root, in forked children so this process keeps its
 * capabilities, checked from outside through /proc/<child>/status. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"
#include "sys/harden.h"
#include "sys/sigfd.h"

static const char status_text[] =
	"Name:\twgaudit\n"
	"Umask:\t0077\n"
	"State:\tS (sleeping)\n"
	"Uid:\t0\t0\t0\t0\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t0000000000001000\n"
	"CapEff:\t0000000000001000\n"
	"CapBnd:\t0000000400001000\n"
	"CapAmb:\t0000000000000000\n"
	"NoNewPrivs:\t1\n"
	"Seccomp:\t2\n";

TEST(status_parses_real_layout)
{
	struct harden_status st;

	CHECK_INT(harden_status_parse(status_text, sizeof(status_text) - 1, &st), 0);
	CHECK_INT(st.cap_eff, HARDEN_CAP(CAP_NET_ADMIN));
	CHECK_INT(st.cap_prm, HARDEN_CAP(CAP_NET_ADMIN));
	CHECK_INT(st.cap_bnd, HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG));
	CHECK_INT(st.cap_inh, 0);
	CHECK_INT(st.no_new_privs, 1);
	CHECK_INT(st.have_amb, 1);
}

TEST(status_old_kernel_and_no_trailing_newline)
{
	static const char old[] = "CapInh:\t0\nCapPrm:\tffffffffff\nCapEff:\tFFFFFFFFFF\nCapBnd:\tffffffffff";
	struct harden_status st;

	CHECK_INT(harden_status_parse(old, sizeof(old) - 1, &st), 0);
	CHECK_INT(st.cap_eff, 0xffffffffffLL);
	CHECK_INT(st.no_new_privs, -1);
	CHECK_INT(st.have_amb, 0);
}

TEST(status_rejects_malformed)
{
	static const char *const bad[] = {
		"CapInh:\t0\nCapPrm:\t0\nCapEff:\t0\n",			/* no CapBnd */
		"CapInh:\t0\nCapPrm:\t0\nCapEff:\tzz\nCapBnd:\t0\n",	/* not hex */
		"CapInh:\t0\nCapPrm:\t0\nCapEff:\t00000000000000001\nCapBnd:\t0\n", /* 17 digits */
		"CapInh:\t0\nCapPrm:\t0\nCapEff:\t\nCapBnd:\t0\n",	/* empty */
		"CapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nNoNewPrivs:\t2\n",
	};
	struct harden_status st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(harden_status_parse(bad[i], strlen(bad[i]), &st), -EINVAL);
}

TEST(caps_names_round_trip)
{
	char buf[128];
	uint64_t caps;

	CHECK_STR(harden_caps_str(0, buf, sizeof(buf)), "none");
	CHECK_STR(harden_caps_str(HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG), buf, sizeof(buf)),
		  "CAP_NET_ADMIN,CAP_SYSLOG");
	CHECK_STR(harden_caps_str(HARDEN_CAP(50), buf, sizeof(buf)), "CAP_50");
	CHECK_INT(harden_caps_parse("net_admin, CAP_SYSLOG", 21, &caps), 0);
	CHECK_INT(caps, HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG));
	CHECK_INT(harden_caps_parse("CAP_CHECKPOINT_RESTORE", 22, &caps), 0);
	CHECK_INT(caps, HARDEN_CAP(40));
	CHECK_INT(harden_caps_parse("", 0, &caps), 0);
	CHECK_INT(caps, 0);
	CHECK_INT(harden_caps_parse("CAP_NET_ADMINX", 14, &caps), -EINVAL);
	CHECK_INT(harden_caps_parse("CAP_", 4, &caps), -EINVAL);
	/* Bounded by len, not by the NUL. */
	CHECK_INT(harden_caps_parse("CAP_SYSLOG,junk", 10, &caps), 0);
	CHECK_INT(caps, HARDEN_CAP(CAP_SYSLOG));
	/* A too-small buffer is truncated, never overrun. */
	CHECK_STR(harden_caps_str(HARDEN_CAP(CAP_NET_ADMIN), buf, 5), "CAP_");
}

TEST(default_keeps_net_admin_only)
{
	CHECK_INT(HARDEN_KEEP_DEFAULT, HARDEN_CAP(CAP_NET_ADMIN));
}

/* --- as root: the real drop, in a child ----------------------------------- */

/* What the child tells the parent after dropping. */
struct child_report {
	int ret;
	uint64_t kept;
	int securebits;
	int regain_errno;	/* capset() adding CAP_SYS_ADMIN back */
	int setuid_errno;	/* setuid(65534) */
	char why[256];
};

static int read_pid_status(pid_t pid, struct harden_status *st)
{
	char path[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -EIO;
	return harden_status_parse(buf, (size_t)n, st);
}

static void child(uint64_t keep, int wfd, int rfd)
{
	struct harden_opts o = { .keep = keep };
	struct child_report r;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	char c;

	memset(&r, 0, sizeof(r));
	r.ret = harden_drop(&o, &r.kept, r.why, sizeof(r.why));
	r.securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)(keep | HARDEN_CAP(CAP_SYS_ADMIN));
	if (syscall(SYS_capset, &hdr, data) < 0)
		r.regain_errno = errno;
	if (setuid(65534) < 0)
		r.setuid_errno = errno;
	if (write(wfd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
	/* Stay alive until the parent has read /proc/<us>/status. */
	if (read(rfd, &c, 1) < 0)
		_exit(4);
	_exit(0);
}

static void drop_case(const char *name, uint64_t keep)
{
	int up[2], down[2], wst;
	struct child_report r;
	struct harden_status st;
	char want[256], got[256];
	pid_t pid;

	test_current = name;
	test_failed_now = 0;
	if (pipe(up) < 0 || pipe(down) < 0) {
		test_fail("pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child(keep, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		test_fail("child did not report");
		goto out;
	}
	if (r.ret != 0)
		test_fail("harden_drop: %d: %s", r.ret, r.why);
	snprintf(want, sizeof(want), "kept %s; dropped the rest",
		 harden_caps_str(keep, got, sizeof(got)));
	CHECK_STR(r.why, want);
	CHECK_INT(r.kept, keep);
	CHECK_INT(read_pid_status(pid, &st), 0);
	CHECK_INT(st.cap_eff, keep);
	CHECK_INT(st.cap_prm, keep);
	CHECK_INT(st.cap_bnd, keep);
	CHECK_INT(st.cap_inh, 0);
	CHECK_INT(st.cap_amb, 0);
	CHECK_INT(st.no_new_privs, 1);
	CHECK(r.securebits >= 0 && (r.securebits & SECBIT_NOROOT) && (r.securebits & SECBIT_NOROOT_LOCKED));
	CHECK_INT(r.regain_errno, EPERM);
	CHECK_INT(r.setuid_errno, EPERM);
out:
	close(up[0]);
	close(down[1]);
	if (pid > 0)
		waitpid(pid, &wst, 0);
	if (!test_failed_now)
		printf("PASS %s\n", name);
}

static bool can_drop(char *why, size_t len)
{
	struct harden_status st;

	if (geteuid() != 0) {
		snprintf(why, len, "needs root");
		return false;
	}
	if (harden_status_self(&st) < 0 ||
	    (st.cap_eff & (HARDEN_CAP(CAP_SETPCAP) | HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG))) !=
	    (HARDEN_CAP(CAP_SETPCAP) | HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG))) {
		snprintf(why, len, "needs CAP_SETPCAP, CAP_NET_ADMIN and CAP_SYSLOG");
		return false;
	}
	return true;
}

static const struct { const char *name; uint64_t keep; } drop_cases[] = {
	{ "drop_keeps_default", HARDEN_KEEP_DEFAULT },
	{ "drop_keeps_net_admin_syslog", HARDEN_CAP(CAP_NET_ADMIN) | HARDEN_CAP(CAP_SYSLOG) },
	{ "drop_keeps_nothing", 0 },
};

/* sys/sigfd.c: the stop signals are blocked and read from the fd (a
 * signal raised before the read is not lost); SIGHUP only when asked;
 * the caller gets back the mask it had. In a child: the mask changes. */
TEST(sigfd_reads_the_stop_signals)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct signalfd_siginfo si;
		sigset_t old, now;
		int fd = sigfd_open(false, &old);

		if (fd < 0 || sigismember(&old, SIGTERM))
			_exit(10);
		sigprocmask(SIG_BLOCK, NULL, &now);
		if (!sigismember(&now, SIGTERM) || !sigismember(&now, SIGINT) ||
		    sigismember(&now, SIGHUP))
			_exit(11);
		if (read(fd, &si, sizeof(si)) != -1 || errno != EAGAIN)
			_exit(12);	/* non-blocking, nothing yet */
		raise(SIGTERM);		/* blocked: waits in the fd */
		if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGTERM)
			_exit(13);
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			_exit(14);
		close(fd);
		fd = sigfd_open(true, NULL);
		sigprocmask(SIG_BLOCK, NULL, &now);
		if (fd < 0 || !sigismember(&now, SIGHUP))
			_exit(15);
		raise(SIGHUP);
		if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGHUP)
			_exit(16);
		sigprocmask(SIG_SETMASK, &old, NULL);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

/* TEST_MAIN() has no SKIP: the pure cases run through its loop body, the
 * root cases print SKIP when they cannot run. */
int main(int argc, char **argv)
{
	int failed = 0;
	char why[128];

	for (struct test_case *t = test_list; t; t = t->next) {
		if (argc > 1 && strcmp(argv[1], t->name) != 0)
			continue;
		test_current = t->name;
		test_failed_now = 0;
		t->fn();
		if (test_failed_now)
			failed++;
		else
			printf("PASS %s\n", t->name);
		fflush(stdout);
	}
	for (size_t i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++) {
		if (argc > 1 && strcmp(argv[1], drop_cases[i].name) != 0)
			continue;
		if (!can_drop(why, sizeof(why))) {
			printf("SKIP %s: %s\n", drop_cases[i].name, why);
			continue;
		}
		drop_case(drop_cases[i].name, drop_cases[i].keep);
		failed += test_failed_now;
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
