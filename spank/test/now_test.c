/*
 * vc_now_parse against good and bad values of --vc-checkpoint-now (run by `make check`): the
 * attacks are the user's own bytes, so each must be refused whole, and what is passed on is
 * rebuilt from the parsed numbers. Prints one line per failure; exits 1 if any.
 */
#include <stdio.h>
#include <string.h>

#include "../src/vc_now.h"

#define NOW 1800000000000LL

static int failures;

static void good(const char *value, const char *passed_on)
{
	struct vc_now n;
	char why[256], buf[64];

	if (vc_now_parse(value, NOW, &n, why, sizeof(why)) != 0) {
		printf("FAIL: '%s' refused: %s\n", value, why);
		failures++;
		return;
	}
	vc_now_format(&n, buf, sizeof(buf));
	if (strcmp(buf, passed_on) != 0) {
		printf("FAIL: '%s' passed on as '%s', expected '%s'\n", value, buf, passed_on);
		failures++;
	}
}

static void bad(const char *value, const char *reason)
{
	struct vc_now n;
	char why[256];

	if (vc_now_parse(value, NOW, &n, why, sizeof(why)) == 0) {
		printf("FAIL: '%s' accepted\n", value == NULL ? "(null)" : value);
		failures++;
	} else if (strstr(why, reason) == NULL) {
		printf("FAIL: '%s' refused for '%s', expected '%s'\n", value, why, reason);
		failures++;
	} else if (value != NULL && strlen(value) > 3 && strstr(why, value) != NULL) {
		printf("FAIL: '%s': the reason repeats the value\n", value);
		failures++;
	}
}

int main(void)
{
	good("1800000002000", "1800000002000");
	good("1800000002000,stop", "1800000002000,stop");
	good("1800000002000,keep=3", "1800000002000,keep=3");
	good("1800000002000,keep=99,stop", "1800000002000,stop,keep=99");
	good("1799999980000", "1799999980000"); /* 20 s late: a slow start */
	bad(NULL, "not <pause-at");
	bad("", "not <pause-at");
	bad("now", "not <pause-at");
	bad("01800000002000", "not <pause-at");
	bad("-1800000002000", "not <pause-at");
	bad("1800000002000,", "not <pause-at");
	bad("1800000002000,stop,stop", "stop given twice");
	bad("1800000002000,keep=2,keep=3", "keep given twice");
	bad("1800000002000,keep=0", "not <pause-at");
	bad("1800000002000,keep=100", "not <pause-at");
	bad("1800000002000,keep=", "not <pause-at");
	bad("1800000002000,stopx", "not <pause-at");
	bad("1800000002000,STOP", "not <pause-at");
	bad("1800000002000 ,stop", "not <pause-at");
	bad("1800000002000,stop;reboot", "not <pause-at");
	bad("1800000002000\n,stop", "not <pause-at");
	bad("18000000020000000000", "not <pause-at"); /* would overflow */
	bad("1800000002000,keep=1,stop,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "not <pause-at"); /* too long */
	bad("1800000011000", "ahead"); /* 11 s ahead: the VMs held until then */
	bad("9999999999999999", "ahead");
	bad("1799999960000", "ago"); /* 40 s late: an old value, e.g. inherited from sbatch */
	bad("1", "ago");
	printf("now_test: %s\n", failures == 0 ? "all passed" : "FAILED");
	return failures == 0 ? 0 : 1;
}
