/*
 * The plugin's syntax checks against the shared table (core/src/test/resources/request/
 * syntax-cases.tsv), which RequestParser's tests read too. Run by `make check`:
 *
 *   target/syntax_test ../core/src/test/resources/request/syntax-cases.tsv
 *
 * Prints one line per disagreement and a summary; exits 1 if any case disagrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/vc_syntax.h"

/* Decodes \\, \t, \n and \xHH in place (the table's escapes). Returns -1 on a bad escape. */
static int unescape(char *s)
{
	char *o = s;

	for (char *i = s; *i != '\0'; i++) {
		if (*i != '\\') {
			*o++ = *i;
			continue;
		}
		i++;
		if (*i == '\\')
			*o++ = '\\';
		else if (*i == 't')
			*o++ = '\t';
		else if (*i == 'n')
			*o++ = '\n';
		else if (*i == 'x' && i[1] != '\0' && i[2] != '\0') {
			char hex[3] = {i[1], i[2], '\0'};
			char *end;
			long b = strtol(hex, &end, 16);

			if (*end != '\0' || b == 0)
				return -1;
			*o++ = (char)b;
			i += 2;
		} else
			return -1;
	}
	*o = '\0';
	return 0;
}

static int key_of(const char *option, enum vc_key *key)
{
	for (int k = 0; k < VC_KEYS; k++) {
		if (strcmp(option, vc_option_name((enum vc_key)k)) == 0) {
			*key = (enum vc_key)k;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	char line[4096];
	int lineno = 0, cases = 0, failures = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s syntax-cases.tsv\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (f == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *option, *value, *expected, *tab1, *tab2;
		enum vc_key key;
		unsigned long long got = 0;
		char why[512], gotstr[128];
		int rc;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (tab2 == NULL || strchr(tab2 + 1, '\t') != NULL) {
			fprintf(stderr, "%s:%d: expected 3 tab-separated fields\n", argv[1], lineno);
			return 2;
		}
		*tab1 = *tab2 = '\0';
		option = line;
		value = tab1 + 1;
		expected = tab2 + 1;
		if (key_of(option, &key) != 0 || unescape(value) != 0) {
			fprintf(stderr, "%s:%d: bad option or escape\n", argv[1], lineno);
			return 2;
		}
		cases++;
		why[0] = '\0';
		rc = vc_check(key, value, &got, why, sizeof(why));
		if (key == VC_IMAGE || key == VC_SAVE || key == VC_RESTORE)
			snprintf(gotstr, sizeof(gotstr), "ok=%s", value);
		else
			snprintf(gotstr, sizeof(gotstr), "ok=%llu", got);
		if (rc == 0 && strcmp(expected, gotstr) != 0) {
			printf("line %d: --%s: expected %s, got %s\n", lineno, option, expected, gotstr);
			failures++;
		} else if (rc != 0 && strcmp(expected, "error") != 0) {
			printf("line %d: --%s: expected %s, got error: %s\n", lineno, option, expected, why);
			failures++;
		} else if (rc != 0 && (why[0] == '\0' || strchr(why, '\n') != NULL)) {
			printf("line %d: --%s: the reason is not one line: '%s'\n", lineno, option, why);
			failures++;
		}
	}
	fclose(f);
	printf("syntax_test: %d cases, %d disagree with %s\n", cases, failures, argv[1]);
	return failures == 0 && cases > 0 ? 0 : 1;
}
