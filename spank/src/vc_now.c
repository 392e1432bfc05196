/* The syntax of --vc-checkpoint-now's value: see vc_now.h. */
#include "vc_now.h"

#include <stdio.h>
#include <string.h>

/* Reads 1 to max_digits decimal digits without a leading zero; returns the count read, 0 for none or too many. */
static int digits(const char *s, int max_digits, long long *value)
{
	int n = 0;
	long long v = 0;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == max_digits)
			return 0;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	*value = v;
	return n;
}

int vc_now_parse(const char *value, long long now_ms, struct vc_now *out, char *why, size_t why_len)
{
	const char *p = value;
	long long at, keep;
	int n;

	memset(out, 0, sizeof(*out));
	if (value == NULL || strnlen(value, VC_NOW_MAX_LEN + 1) > VC_NOW_MAX_LEN) {
		snprintf(why, why_len, "not <pause-at epoch ms>[,stop][,keep=N]");
		return -1;
	}
	n = digits(p, 16, &at);
	if (n == 0) {
		snprintf(why, why_len, "not <pause-at epoch ms>[,stop][,keep=N]");
		return -1;
	}
	p += n;
	while (*p != '\0') {
		if (strncmp(p, ",stop", 5) == 0 && (p[5] == '\0' || p[5] == ',')) {
			if (out->stop) {
				snprintf(why, why_len, "stop given twice");
				return -1;
			}
			out->stop = 1;
			p += 5;
		} else if (strncmp(p, ",keep=", 6) == 0 && (n = digits(p + 6, 2, &keep)) > 0
			   && (p[6 + n] == '\0' || p[6 + n] == ',')) {
			if (out->keep != 0) {
				snprintf(why, why_len, "keep given twice");
				return -1;
			}
			out->keep = (int)keep;
			p += 6 + n;
		} else {
			snprintf(why, why_len, "not <pause-at epoch ms>[,stop][,keep=N]");
			return -1;
		}
	}
	if (at > now_ms + VC_NOW_AHEAD_MS) {
		snprintf(why, why_len, "the pause is asked %lld s ahead, more than %lld s", (at - now_ms) / 1000,
			 VC_NOW_AHEAD_MS / 1000);
		return -1;
	}
	if (at < now_ms - VC_NOW_LATE_MS) {
		snprintf(why, why_len, "the pause was asked for %lld s ago, more than %lld s", (now_ms - at) / 1000,
			 VC_NOW_LATE_MS / 1000);
		return -1;
	}
	out->pause_at_ms = at;
	return 0;
}

void vc_now_format(const struct vc_now *now, char *buf, size_t len)
{
	char keep[24] = "";

	if (now->keep > 0)
		snprintf(keep, sizeof(keep), ",keep=%d", now->keep);
	snprintf(buf, len, "%lld%s%s", now->pause_at_ms, now->stop ? ",stop" : "", keep);
}
