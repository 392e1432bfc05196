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
 * And in a step of a running job (remote context), --vc-checkpoint-now=VALUE, which `vcluster
 * checkpoint` gives the one step it starts on every node: the channel to the root helper that
 * checkpoints the node's VMs (docs/hooks.md, "Checkpoints"). It is no request key (not in the
 * syntax table, not in the job control environment). In slurm_spank_task_init_privileged, which
 * Slurm 22.05 calls as root in the task's child of slurmstepd before it drops privileges
 * (src/slurmd/slurmstepd/mgr.c, _fork_all_tasks: _pre_task_child_privileged -> spank_task_privileged,
 * then _become_user), the node's local task 0 checks VALUE (vc_now.c), takes the job id and the
 * job's uid from spank_get_item (never from the task's environment, which is the user's), and runs
 * the helper with a fixed argument list and a clean environment. Slurm lets only the job's owner
 * (or root) start a step in a job: that is the authentication. The task's stdio is set up only
 * after that call (prepare_stdio follows _become_user), so the helper's output is kept and written
 * to the task's stdout by slurm_spank_task_init (as the user, once stdio is the task's); a failed
 * helper fails the task there.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "vc_now.h"
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
/* The helper of `vcluster checkpoint` (plugstack.conf: checkpointer=/ABSOLUTE/PATH). */
#define DEFAULT_CHECKPOINTER "/opt/vcluster/bin/vcluster-epilog"
/* The option's val: beyond the request keys' */
#define NOW_OPTION_VAL 100
/* What the helper may say to the user (its result lines), at most. */
#define NOW_OUTPUT_MAX 4096
/* The job control variables, without the SPANK_ that Slurm prepends. */
static const char *const CONTROL_NAMES[VC_KEYS] = {"VC_IMAGE", "VC_VCPUS", "VC_MEM", "VC_VMS", "VC_MOUNT",
							    "VC_CHECKPOINT", "VC_SAVE", "VC_RESTORE"};

/* The values the user gave (NULL: not given), and the plugstack.conf arguments. */
static char *given[VC_KEYS];
static const char *validator;
static const char *config;
static int timeout_seconds = DEFAULT_TIMEOUT_SECONDS;

static int option_given(int val, const char *optarg, int remote);
static int now_given(int val, const char *optarg, int remote);

/* --vc-checkpoint-now: its value (NULL: not given), the helper, and what it said and how it ended. */
static char *now_value;
static const char *checkpointer = DEFAULT_CHECKPOINTER;
static char now_output[NOW_OUTPUT_MAX];
static int now_ran;
static int now_failed;

static struct spank_option now_option = {
	"vc-checkpoint-now", "VALUE", "Virtual Services: used by 'vcluster checkpoint' (not by hand): checkpoint the"
	" job's VMs on every node of this step", 1, NOW_OPTION_VAL, now_given};

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

/* Real time in milliseconds: the pause moment is an epoch time, alike on every (NTP-synced) node. */
static long long epoch_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Option callback of --vc-checkpoint-now: the syntax at once; kept for the remote context. */
static int now_given(int val, const char *optarg, int remote)
{
	struct vc_now n;
	char why[256];

	(void)val;
	(void)remote;
	if (vc_now_parse(optarg, epoch_ms(), &n, why, sizeof(why)) != 0) {
		slurm_error("--vc-checkpoint-now: %s (it is given by 'vcluster checkpoint')", why);
		return -1;
	}
	free(now_value);
	now_value = strdup(optarg);
	return now_value == NULL ? -1 : 0;
}

/* Reads validator=, config=, timeout= and checkpointer= from the plugstack.conf line. */
static int parse_arguments(int ac, char **av)
{
	for (int i = 0; i < ac; i++) {
		if (strncmp(av[i], "validator=", 10) == 0 && av[i][10] == '/') {
			validator = av[i] + 10;
		} else if (strncmp(av[i], "config=", 7) == 0 && av[i][7] == '/') {
			config = av[i] + 7;
		} else if (strncmp(av[i], "checkpointer=", 13) == 0 && av[i][13] == '/') {
			checkpointer = av[i] + 13;
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
				    " config=/ABSOLUTE/PATH, timeout=SECONDS, checkpointer=/ABSOLUTE/PATH)", av[i]);
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
	if (spank_option_register(sp, &now_option) != ESPANK_SUCCESS) {
		slurm_error("vcluster_spank: cannot register --%s", now_option.name);
		return -1;
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

/*
 * Runs the checkpoint helper: a fixed argument list, a clean environment, cwd /, stdin /dev/null,
 * stdout and stderr into a pipe read into now_output (bounded), no other fd. Waits for it however
 * long the checkpoint takes (the user's srun waits; cancelling the step kills it with the step's
 * processes, and a checkpoint interrupted so leaves the previous one current). Returns its exit
 * status, -1 when it could not be run or did not exit.
 */
static int run_checkpointer(const struct vc_now *now, uint32_t job_id, uid_t uid)
{
	char value[64], job[16], uid_s[16];
	char *const argv[] = {(char *)checkpointer, "--checkpoint-now", value, "--job", job, "--uid", uid_s, NULL};
	char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL};
	size_t used = 0;
	int fds[2], status;
	pid_t pid;

	vc_now_format(now, value, sizeof(value));
	snprintf(job, sizeof(job), "%u", job_id);
	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		long max = sysconf(_SC_OPEN_MAX);

		if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0
		    || dup2(fds[1], STDERR_FILENO) < 0 || chdir("/") != 0)
			_exit(126);
		for (long fd = STDERR_FILENO + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], argv, envp);
		dprintf(STDERR_FILENO, "no checkpoint: cannot run the helper %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < sizeof(now_output)) {
			size_t take = (size_t)n < sizeof(now_output) - 1 - used ? (size_t)n : sizeof(now_output) - 1 - used;

			memcpy(now_output + used, buf, take);
			used += take;
			now_output[used] = '\0';
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * As root, in the task's child of slurmstepd (see the top of this file): the checkpoint, on the
 * node's local task 0 of a step that was given --vc-checkpoint-now. Its outcome is told by
 * slurm_spank_task_init below, so this returns 0 (a failure here would end the task with no word).
 */
EXPORT int slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	struct vc_now now;
	char why[256];
	int task = -1;
	uint32_t job_id = 0;
	uid_t uid = 0;
	int rc;

	(void)ac;
	(void)av;
	if (!spank_remote(sp) || now_value == NULL)
		return 0;
	if (spank_get_item(sp, S_TASK_ID, &task) != ESPANK_SUCCESS || task != 0)
		return 0;
	now_ran = 1;
	now_failed = 1;
	if (vc_now_parse(now_value, epoch_ms(), &now, why, sizeof(why)) != 0) {
		snprintf(now_output, sizeof(now_output), "vcluster checkpoint: refused: --vc-checkpoint-now: %s\n", why);
		return 0;
	}
	if (spank_get_item(sp, S_JOB_ID, &job_id) != ESPANK_SUCCESS
	    || spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS) {
		snprintf(now_output, sizeof(now_output), "vcluster checkpoint: no checkpoint: the job is not known here\n");
		return 0;
	}
	rc = run_checkpointer(&now, job_id, uid);
	if (rc < 0 && now_output[0] == '\0')
		snprintf(now_output, sizeof(now_output), "vcluster checkpoint: no checkpoint: the helper %s did not end\n",
			 checkpointer);
	if (rc > 0 && now_output[0] == '\0')
		snprintf(now_output, sizeof(now_output), "vcluster checkpoint: no checkpoint: the helper ended without a word"
			 " (exit status %d); the previous checkpoint stays current\n", rc);
	now_failed = rc != 0;
	return 0;
}

/* As the user, once the task's stdio is set up: what the helper said, and its failure as the task's. */
EXPORT int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	size_t len = strlen(now_output);

	(void)sp;
	(void)ac;
	(void)av;
	if (!now_ran)
		return 0;
	if (len > 0 && write(STDOUT_FILENO, now_output, len) < 0)
		slurm_error("vcluster checkpoint: %s", now_output);
	return now_failed ? -1 : 0;
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
	free(now_value);
	now_value = NULL;
	return 0;
}
