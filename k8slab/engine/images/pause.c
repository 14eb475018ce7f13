/*
 * pause: the process that holds a pod's namespaces open (k8slab's own).
 *
 * It does nothing until signalled. As PID 1 of a pod sharing its PID
 * namespace it also becomes the parent of orphaned processes, so it reaps
 * them on SIGCHLD. SIGINT and SIGTERM end it with exit status 0, which is
 * what a runtime stopping the sandbox expects.
 *
 * Build: gcc -static -Os -s -o pause pause.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "k8slab"
#endif

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_child(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static void say(int fd, const char *text)
{
	size_t left = strlen(text);

	while (left > 0) {
		ssize_t n = write(fd, text, left);
		if (n <= 0)
			return;
		text += n;
		left -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	sigset_t block, waiting;

	if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
		say(1, "pause " PAUSE_VERSION "\n");
		return 0;
	}
	if (getpid() != 1)
		say(2, "pause: warning: not running as PID 1, orphaned processes are not reaped here\n");

	/* Block the signals while checking the flag, so none can slip in between
	 * the check and the wait (sigsuspend unblocks them atomically). */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &waiting) != 0 ||
	    handle(SIGINT, on_stop) != 0 || handle(SIGTERM, on_stop) != 0 ||
	    handle(SIGCHLD, on_child) != 0) {
		say(2, "pause: cannot install signal handlers\n");
		return 1;
	}
	/* Wait with the caller's mask, minus ours (a parent may have blocked them). */
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGCHLD);
	while (!stop_requested)
		sigsuspend(&waiting);
	return 0;
}
