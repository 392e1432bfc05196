/*
 * vcluster_spank.so: the --vc-image, --vc-vcpus, --vc-mem, --vc-vms, --vc-mount, --vc-checkpoint, --vc-save and
 * --vc-restore options of sbatch,
 * salloc and srun for Virtual Services.
 *
 * At submission (allocator or local context) it
 *   1. checks each value's syntax (vc_syntax.c: the same rules as the prolog's RequestParser);
 *   2. when the site configuration is readable, runs `vcluster validate` (fork/exec with an
 *      argument list, no shell) for the site's policy: the catalog and the limits;
 *   3. puts the values in the job control environment (spank_job_control_setenv), which slurmd
 *      hands to the Prolog and Epilog of every node as SPANK_VC_IMAGE, SPANK_VC_VCPUS,
 *      SPANK_VC_MEM, SPANK_VC_VMS, SPANK_VC_MOUNT, SPANK_VC_CHECKPOINT, SPANK_VC_SAVE and SPANK_VC_RESTORE.
 * A bad request fails the command with one line that names the option, before any job exists.
 *
 * plugstack.conf (site-config/slurm/plugstack.conf.fragment):
 *   required /opt/vcluster/lib/spank/vcluster_spank.so validator=/opt/vcluster/bin/vcluster \
 *       config=/etc/vcluster/site.yaml [timeout=SECONDS]
 * "required", not "optional": Slurm 22.05 ignores a failed slurm_spank_init_post_opt of an
 * optional plugin, and so would submit a job whose image is missing or beyond the site's limits
 * (a bad value's syntax fails sbatch either way: that check is in the option callback).
 * validator= absent: syntax only. config= absent: the validator's own default (VC_CONFIG, else
 * /etc/vcluster/site.yaml).
 *
 * Slurm 22.05: sbatch and salloc ignore the static spank_options table, so the options are
 * registered with spank_option_register() in slurm_spank_init, in every context (slurmstepd
 * must know them too). https://slurm.schedmd.com/spank.html
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "vc_syntax.h"

#define EXPORT __attribute__((visibility("default")))

/* Slurm finds the plugin's name, type and version through these symbols. */
EXPORT extern const char plugin_name[];
EXPORT extern const char plugin_type[];
EXPORT extern const unsigned int plugin_version;
EXPORT extern const unsigned int spank_plugin_version;
SPANK_PLUGIN(vcluster, 1);

#define DEFAULT_CONFIG "/etc/vcluster/site.yaml"
#define DEFAULT_TIMEOUT_SECONDS 30
/* The job control variables, without the SPANK_ that Slurm prepends. */
static const char *const CONTROL_NAMES[VC_KEYS] = {"VC_IMAGE", "VC_VCPUS", "VC_MEM", "VC_VMS", "VC_MOUNT",
							    "VC_CHECKPOINT", "VC_SAVE", "VC_RESTORE"};

/* The values the user gave (NULL: not given), and the plugstack.conf arguments. */
static char *given[VC_KEYS];
static const char *validator;
static const char *config;
static int timeout_seconds = DEFAULT_TIMEOUT_SECONDS;

static int option_given(int val, const char *optarg, int remote);

static struct spank_option options[VC_KEYS] = {
	{"vc-image", "NAME", "Virtual Services: run the job in a virtual cluster of VMs booted from this image of"
	 " the site's catalog ('vcluster images' lists them), or user:NAME[@REV], one of your own ('vcluster image"
	 " list')", 1, VC_IMAGE, option_given},
	{"vc-vcpus", "N", "Virtual Services: virtual CPUs of each VM (default: the site's)", 1, VC_VCPUS,
	 option_given},
	{"vc-mem", "SIZE", "Virtual Services: memory of each VM, e.g. 512M, 2G (a bare number is MiB; default:"
	 " the site's)", 1, VC_MEM, option_given},
	{"vc-vms", "K", "Virtual Services: VMs on each node of the job (default: the site's)", 1, VC_VMS,
	 option_given},
	{"vc-mount", "FOLDERS", "Virtual Services: host folders in the VMs beyond the working folder and the"
	 " site's, PATH[=ro][:PATH...] within the site's roots; none: not even the working folder", 1, VC_MOUNT,
	 option_given},
	{"vc-checkpoint", "WHEN", "Virtual Services: on-timeout: the VMs are checkpointed when the job is"
	 " requeued (scontrol requeue in a --signal trap, or preemption) and restored when it runs again", 1,
	 VC_CHECKPOINT, option_given},
	{"vc-save", "NAME", "Virtual Services: at the job's end, shut the head VM down and keep its disk as a new"
	 " revision of your image NAME (a later job boots it as image user:NAME)", 1, VC_SAVE, option_given},
	{"vc-restore", "JOBID", "Virtual Services: restore the checkpoint of your earlier job JOBID instead of booting"
	 " (the same VMs per node on as many nodes; --vc-image may then be left out)", 1, VC_RESTORE, option_given},
};

/* Option callback: checks the syntax at once, so the user hears of a typo before anything else. */
static int option_given(int val, const char *optarg, int remote)
{
	unsigned long long ignored;
	char why[512];

	(void)remote;
	if (val < 0 || val >= VC_KEYS)
		return -1;
	if (vc_check((enum vc_key)val, optarg, &ignored, why, sizeof(why)) != 0) {
		slurm_error("--%s: %s", vc_option_name((enum vc_key)val), why);
		return -1;
	}
	free(given[val]);
	given[val] = strdup(optarg);
	return given[val] == NULL ? -1 : 0;
}

/* Reads validator=, config= and timeout= from the plugstack.conf line. */
static int parse_arguments(int ac, char **av)
{
	for (int i = 0; i < ac; i++) {
		if (strncmp(av[i], "validator=", 10) == 0 && av[i][10] == '/') {
			validator = av[i] + 10;
		} else if (strncmp(av[i], "config=", 7) == 0 && av[i][7] == '/') {
			config = av[i] + 7;
		} else if (strncmp(av[i], "timeout=", 8) == 0) {
			char *end;
			long t = strtol(av[i] + 8, &end, 10);

			if (*end != '\0' || t < 1 || t > 600) {
				slurm_error("vcluster_spank: plugstack.conf: timeout= takes 1 to 600 seconds, not '%s'",
					    av[i] + 8);
				return -1;
			}
			timeout_seconds = (int)t;
		} else {
			slurm_error("vcluster_spank: plugstack.conf: unknown argument '%s' (known: validator=/ABSOLUTE/PATH,"
				    " config=/ABSOLUTE/PATH, timeout=SECONDS)", av[i]);
			return -1;
		}
	}
	return 0;
}

EXPORT int slurm_spank_init(spank_t sp, int ac, char **av)
{
	spank_context_t ctx = spank_context();

	if (parse_arguments(ac, av) != 0)
		return -1;
	/* slurmd itself and its Prolog/Epilog (job_script context) parse no options */
	if (ctx != S_CTX_ALLOCATOR && ctx != S_CTX_LOCAL && ctx != S_CTX_REMOTE)
		return 0;
	for (int k = 0; k < VC_KEYS; k++) {
		spank_err_t rc = spank_option_register(sp, &options[k]);

		if (rc != ESPANK_SUCCESS) {
			slurm_error("vcluster_spank: cannot register --%s: %s", options[k].name, spank_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Milliseconds on a clock that does not jump. */
static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Runs the validator with an argument list; its stdout and stderr go to out (truncated to
 * out_len). Returns its exit status, or -1 if it could not be run or did not end in time
 * (then it is killed and out says why).
 */
static int run_validator(char *const argv[], char *out, size_t out_len)
{
	int fds[2];
	size_t used = 0;
	int status;
	pid_t pid;
	long long deadline = now_ms() + (long long)timeout_seconds * 1000;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(out, out_len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(out, out_len, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* the child: stdin from /dev/null, stdout and stderr into the pipe, default signals */
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = {fds[0], POLLIN, 0};
		long long left = deadline - now_ms();
		char buf[512];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(fds[0]);
			snprintf(out, out_len, "%s validate did not answer within %d s", argv[0], timeout_seconds);
			return -1;
		}
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			break;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < out_len) {
			size_t take = (size_t)n < out_len - 1 - used ? (size_t)n : out_len - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(out, out_len, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The validator's first line, "WORD: what is wrong", as the user typed it: "--vc-WORD: ...".
 * Other lines (a JVM's warnings) are not shown.
 */
static void first_line_as_option(const char *out, char *line, size_t len)
{
	const char *s = out;
	size_t n;

	while (*s == '\n')
		s++;
	n = strcspn(s, "\n");
	for (int k = 0; k < VC_KEYS; k++) {
		const char *w = vc_key_word((enum vc_key)k);
		size_t wl = strlen(w);

		if (n > wl + 1 && strncmp(s, w, wl) == 0 && s[wl] == ':' && s[wl + 1] == ' ') {
			snprintf(line, len, "--%s: %.*s", vc_option_name((enum vc_key)k), (int)(n - wl - 2), s + wl + 2);
			return;
		}
	}
	snprintf(line, len, "%.*s", (int)n, s);
}

/* The site's policy, through `vcluster validate`. 0: accepted or not checkable; -1: refused. */
static int check_policy(void)
{
	const char *conf = config != NULL ? config : DEFAULT_CONFIG;
	char *argv[16];
	/* "--WORD=VALUE", one argument each, so that no value can ever be read as an option */
	char pairs[VC_KEYS][VC_MAX_VALUE_LEN + 32];
	int a = 0;
	char out[4096], line[1024];
	int rc;

	if (validator == NULL)
		return 0;
	if (access(conf, R_OK) != 0) {
		/* e.g. a login node without the site file: the prolog checks the policy anyway */
		slurm_debug("vcluster_spank: %s not readable, the request's policy is left to the prolog", conf);
		return 0;
	}
	argv[a++] = (char *)validator;
	argv[a++] = "validate";
	argv[a++] = "--config";
	argv[a++] = (char *)conf;
	for (int k = 0; k < VC_KEYS; k++) {
		if (given[k] != NULL) {
			/* the syntax is checked: values are short ASCII (an image name at most 79) */
			snprintf(pairs[k], sizeof(pairs[k]), "--%s=%s", vc_key_word((enum vc_key)k), given[k]);
			argv[a++] = pairs[k];
		}
	}
	argv[a] = NULL;
	rc = run_validator(argv, out, sizeof(out));
	first_line_as_option(out, line, sizeof(line));
	if (rc == 0) {
		slurm_verbose("vcluster_spank: %s", line);
		return 0;
	}
	if (rc == 2) {
		slurm_error("%s", line);
		return -1;
	}
	/* the validator itself failed (no java, a broken site file): do not block every job for it */
	slurm_spank_log("vcluster: warning: the request was not checked against the site's policy (%s): %s",
			rc < 0 ? "validator failed" : "validator exit status", line);
	return 0;
}

EXPORT int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	spank_context_t ctx = spank_context();
	int any = 0;

	(void)ac;
	(void)av;
	if (ctx != S_CTX_ALLOCATOR && ctx != S_CTX_LOCAL)
		return 0;
	/* srun inside an existing allocation: its prologs have run, a request would change nothing */
	if (ctx == S_CTX_LOCAL && getenv("SLURM_JOB_ID") != NULL)
		return 0;
	for (int k = 0; k < VC_KEYS; k++)
		any |= given[k] != NULL;
	if (!any)
		return 0;
	if (given[VC_IMAGE] == NULL && given[VC_RESTORE] == NULL) {
		slurm_error("--vc-image: missing; the other --vc-* options need it (e.g. --vc-image=NAME;"
			    " 'vcluster images' lists the site's images), or --vc-restore=JOBID");
		return -1;
	}
	if (check_policy() != 0)
		return -1;
	for (int k = 0; k < VC_KEYS; k++) {
		if (given[k] != NULL) {
			spank_err_t rc = spank_job_control_setenv(sp, CONTROL_NAMES[k], given[k], 1);

			if (rc != ESPANK_SUCCESS) {
				slurm_error("vcluster_spank: cannot pass --%s to the prolog: %s",
					    vc_option_name((enum vc_key)k), spank_strerror(rc));
				return -1;
			}
		}
	}
	return 0;
}

EXPORT int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	for (int k = 0; k < VC_KEYS; k++) {
		free(given[k]);
		given[k] = NULL;
	}
	return 0;
}
