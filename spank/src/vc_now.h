/*
 * The value of --vc-checkpoint-now, which `vcluster checkpoint` gives the one step it starts on
 * every node of a job: "<pause-at epoch ms>[,stop][,keep=N]". The SAME syntax as the helper's
 * org.virtualservices.core.checkpoint.NowRequest (Java), which checks it again.
 */
#ifndef VC_NOW_H
#define VC_NOW_H

#include <stddef.h>

/* How far the pause may be from now: ahead (a far one would hold the node's VMs hostage), late (a slow start). */
#define VC_NOW_AHEAD_MS 10000LL
#define VC_NOW_LATE_MS 30000LL
#define VC_NOW_MAX_KEEP 99
/* The longest valid value: 16 digits, ",stop", ",keep=NN". */
#define VC_NOW_MAX_LEN 40

struct vc_now {
	long long pause_at_ms;
	int stop;
	int keep; /* 0: the site's default */
};

/*
 * Parses value, strictly, and checks that its pause is near now_ms (the node's real-time clock).
 * Returns 0 with *out set, or -1 with a one-line reason (never the value itself) in why.
 */
int vc_now_parse(const char *value, long long now_ms, struct vc_now *out, char *why, size_t why_len);

/* The value as the helper gets it, rebuilt from what was parsed (never the user's bytes). */
void vc_now_format(const struct vc_now *now, char *buf, size_t len);

#endif
