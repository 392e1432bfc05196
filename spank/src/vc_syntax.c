/*
 * Request value syntax, kept identical to RequestParser (see vc_syntax.h). Everything is
 * ASCII-only and locale-free on purpose: Java's regular expressions there use [0-9] and
 * [A-Za-z], and the memory value is upper-cased only after an ASCII check.
 */
#include "vc_syntax.h"

#include <stdio.h>
#include <string.h>

static const char *const OPTION_NAMES[VC_KEYS] = {"vc-image", "vc-vcpus", "vc-mem", "vc-vms", "vc-mount",
							   "vc-checkpoint", "vc-save", "vc-restore"};
static const char *const KEY_WORDS[VC_KEYS] = {"image", "vcpus", "mem", "vms", "mounts", "checkpoint", "save",
					       "restore"};

const char *vc_option_name(enum vc_key key)
{
	return key < VC_KEYS ? OPTION_NAMES[key] : "?";
}

const char *vc_key_word(enum vc_key key)
{
	return key < VC_KEYS ? KEY_WORDS[key] : "?";
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/*
 * The value as shown in messages: control and non-ASCII bytes as \xHH, cut after 80 bytes (as
 * RequestParser.shown, which cuts after 80 characters: the same for ASCII values).
 */
static void shown(const char *v, char *out, size_t len)
{
	size_t o = 0;
	size_t i;

	for (i = 0; v[i] != '\0' && i < 80 && o + 5 < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (v[i] != '\0' && o + 4 < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < len ? o : len - 1] = '\0';
}

/* A catalog name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, and no "..". */
static int is_catalog_name(const char *v, size_t n)
{
	size_t i;
	int ok = n >= 1 && n <= VC_MAX_IMAGE_LEN && is_alnum(v[0]);

	for (i = 1; ok && i < n; i++)
		ok = is_alnum(v[i]) || v[i] == '.' || v[i] == '_' || v[i] == '-';
	for (i = 0; ok && i + 1 < n; i++)
		ok = !(v[i] == '.' && v[i + 1] == '.');
	return ok;
}

/* A revision: [1-9][0-9]{0,8}. */
static int is_revision(const char *v, size_t n)
{
	size_t i;
	int ok = n >= 1 && n <= 9 && v[0] >= '1' && v[0] <= '9';

	for (i = 1; ok && i < n; i++)
		ok = is_digit(v[i]);
	return ok;
}

/* A catalog name, or a user's own image: user:NAME or user:NAME@REV (NAME as a catalog name). */
static int check_image(const char *v, char *why, size_t why_len)
{
	size_t n = strlen(v);
	char s[400];

	if (strncmp(v, VC_USER_IMAGE_PREFIX, strlen(VC_USER_IMAGE_PREFIX)) == 0) {
		const char *name = v + strlen(VC_USER_IMAGE_PREFIX);
		const char *at = strchr(name, '@');
		size_t name_len = at == NULL ? strlen(name) : (size_t)(at - name);

		if (is_catalog_name(name, name_len) && (at == NULL || is_revision(at + 1, strlen(at + 1))))
			return 0;
		shown(v, s, sizeof(s));
		snprintf(why, why_len, "invalid user image '%s' (user:NAME or user:NAME@REV: NAME as a catalog name,"
			 " REV a revision number from 1)", s);
		return -1;
	}
	if (is_catalog_name(v, n))
		return 0;
	shown(v, s, sizeof(s));
	snprintf(why, why_len, "invalid image name '%s' (a catalog name: letters, digits, '.', '_', '-', starting with"
		 " a letter or digit, at most %d characters, no '..'; or user:NAME[@REV])", s, VC_MAX_IMAGE_LEN);
	return -1;
}

/* The user's image to save the head VM's disk into, as RequestParser.saveName: a name as in the catalog. */
static int check_save(const char *v, char *why, size_t why_len)
{
	char s[400];

	if (is_catalog_name(v, strlen(v)))
		return 0;
	shown(v, s, sizeof(s));
	snprintf(why, why_len, "invalid name to save as '%s' (a name of your images: letters, digits, '.', '_', '-',"
		 " starting with a letter or digit, at most %d characters, no '..')", s, VC_MAX_IMAGE_LEN);
	return -1;
}

/*
 * The job whose checkpoint is restored, as RequestParser.restoreJob: [1-9][0-9]{0,9}. It names a folder
 * of root's checkpoint tree, so nothing but digits passes.
 */
static int check_restore(const char *v, char *why, size_t why_len)
{
	size_t n = strlen(v);
	size_t i;
	int ok = n >= 1 && n <= 10 && v[0] >= '1' && v[0] <= '9';
	char s[400];

	for (i = 1; ok && i < n; i++)
		ok = v[i] >= '0' && v[i] <= '9';
	if (ok)
		return 0;
	shown(v, s, sizeof(s));
	snprintf(why, why_len, "invalid job to restore '%s' (a job id: digits only, no leading zero, at most 10)", s);
	return -1;
}

/* A count: [0-9]{1,9}, then 1..max. */
static int check_count(const char *v, unsigned long long max, const char *what, unsigned long long *out,
		       char *why, size_t why_len)
{
	size_t n = strlen(v);
	unsigned long long x = 0;
	size_t i;
	char s[400];

	shown(v, s, sizeof(s));
	for (i = 0; i < n && is_digit(v[i]); i++)
		x = x * 10 + (unsigned long long)(v[i] - '0');
	if (n < 1 || n > 9 || i != n) {
		snprintf(why, why_len, "invalid number of %s '%s' (expected a whole number from 1 to %llu)", what, s,
			 max);
		return -1;
	}
	if (x < 1 || x > max) {
		snprintf(why, why_len, "number of %s '%s' is outside 1..%llu", what, s, max);
		return -1;
	}
	*out = x;
	return 0;
}

/*
 * Memory per VM in MiB: ([0-9]{1,19})([KMGT](I?B)?)? after upper-casing; a bare number is MiB;
 * units are powers of 1024. Then, in RequestParser's order: not zero, a whole number of MiB, at
 * most VC_MAX_MEMORY_MIB. 19 digits fit an unsigned long long; shifts are checked before made.
 */
static int check_mem(const char *v, unsigned long long *out, char *why, size_t why_len)
{
	size_t n = strlen(v);
	size_t i;
	unsigned long long x = 0, mib;
	char unit = 'M';
	const char *rest;
	char s[400];

	shown(v, s, sizeof(s));
	for (i = 0; i < n && is_digit(v[i]); i++)
		x = x * 10 + (unsigned long long)(v[i] - '0');
	rest = v + i;
	int ok = i >= 1 && i <= 19;
	if (ok && *rest != '\0') {
		unit = upper(*rest);
		ok = unit == 'K' || unit == 'M' || unit == 'G' || unit == 'T';
		rest++;
		if (ok && *rest != '\0') {
			if (upper(rest[0]) == 'B' && rest[1] == '\0')
				rest += 1;
			else if (upper(rest[0]) == 'I' && upper(rest[1]) == 'B' && rest[2] == '\0')
				rest += 2;
			else
				ok = 0;
		}
	}
	if (!ok) {
		snprintf(why, why_len, "invalid size '%s' (expected e.g. 1024, 512M, 2G, 2GiB; units K, M, G, T)", s);
		return -1;
	}
	if (x == 0) {
		snprintf(why, why_len, "size '%s' is zero", s);
		return -1;
	}
	if (unit == 'K' && x % 1024 != 0) {
		snprintf(why, why_len, "size '%s' is not a whole number of MiB", s);
		return -1;
	}
	switch (unit) {
	case 'K':
		mib = x / 1024;
		break;
	case 'M':
		mib = x;
		break;
	case 'G':
		mib = x > (VC_MAX_MEMORY_MIB >> 10) ? VC_MAX_MEMORY_MIB + 1 : x << 10;
		break;
	default:
		mib = x > (VC_MAX_MEMORY_MIB >> 20) ? VC_MAX_MEMORY_MIB + 1 : x << 20;
		break;
	}
	if (mib > VC_MAX_MEMORY_MIB) {
		snprintf(why, why_len, "size '%s' is more than the %llu TiB allowed", s, VC_MAX_MEMORY_MIB >> 20);
		return -1;
	}
	*out = mib;
	return 0;
}

/* A plain path character, as RequestParser's MOUNT_PATH: letters, digits, . _ + @ - */
static int is_path_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '@' || c == '-';
}

/* When the VMs are checkpointed, as RequestParser.checkpoint: "on-timeout" (1) or "off" (0). */
static int check_checkpoint(const char *v, unsigned long long *out, char *why, size_t why_len)
{
	char s[96];

	if (strcmp(v, "on-timeout") == 0 || strcmp(v, "off") == 0) {
		*out = v[1] == 'n' ? 1 : 0;
		return 0;
	}
	shown(v, s, sizeof(s));
	snprintf(why, why_len, "invalid checkpoint '%s' (expected on-timeout or off)", s);
	return -1;
}

/*
 * Host folders, as RequestParser.mounts: "none", or ':'-separated absolute plain paths, each
 * maybe followed by "=ro"; no "." or ".." part, no trailing slash, no path twice, at most
 * VC_MAX_MOUNTS of VC_MAX_MOUNT_PATH characters.
 */
static int check_mounts(const char *v, unsigned long long *out, char *why, size_t why_len)
{
	const char *item = v;
	const char *paths[VC_MAX_MOUNTS + 1];
	size_t lens[VC_MAX_MOUNTS + 1];
	int count = 0;
	char s[400], p[400];

	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	shown(v, s, sizeof(s));
	for (;;) {
		size_t n = strcspn(item, ":");
		size_t plen = n >= 3 && strncmp(item + n - 3, "=ro", 3) == 0 ? n - 3 : n;
		int ok = plen >= 2 && plen <= VC_MAX_MOUNT_PATH && item[0] == '/' && item[plen - 1] != '/';

		if (n == 0) {
			snprintf(why, why_len, "empty folder in '%s' (expected none, or PATH[=ro][:PATH...])", s);
			return -1;
		}
		for (size_t i = 1; ok && i < plen; i++)
			ok = item[i] == '/' ? item[i - 1] != '/' : is_path_char(item[i]);
		{
			char one[VC_MAX_MOUNT_PATH + 8];
			size_t m = n < sizeof(one) - 1 ? n : sizeof(one) - 1;

			memcpy(one, item, m);
			one[m] = '\0';
			shown(one, p, sizeof(p));
		}
		if (!ok) {
			snprintf(why, why_len, "invalid folder '%s' (an absolute path of letters, digits, '.', '_', '+', '@',"
				 " '-' between slashes, at most %d characters, optionally followed by =ro; or none)", p,
				 VC_MAX_MOUNT_PATH);
			return -1;
		}
		for (size_t i = 0; i < plen; i++) {
			if (item[i] != '/')
				continue;
			size_t e = i + 1;

			while (e < plen && item[e] != '/')
				e++;
			if ((e - i - 1 == 1 && item[i + 1] == '.') || (e - i - 1 == 2 && item[i + 1] == '.' && item[i + 2] == '.')) {
				snprintf(why, why_len, "folder has a '%.*s' part", (int)(e - i - 1), item + i + 1);
				return -1;
			}
		}
		for (int k = 0; k < count && k < VC_MAX_MOUNTS; k++) {
			if (lens[k] == plen && strncmp(paths[k], item, plen) == 0) {
				snprintf(why, why_len, "folder given twice");
				return -1;
			}
		}
		if (count <= VC_MAX_MOUNTS) {
			paths[count] = item;
			lens[count] = plen;
		}
		count++;
		if (item[n] == '\0')
			break;
		item += n + 1;
	}
	if (count > VC_MAX_MOUNTS) {
		snprintf(why, why_len, "%d folders, more than the %d allowed", count, VC_MAX_MOUNTS);
		return -1;
	}
	*out = (unsigned long long)count;
	return 0;
}

int vc_check(enum vc_key key, const char *value, unsigned long long *normalized, char *why, size_t why_len)
{
	size_t n;
	char s[400];

	if (value == NULL || value[0] == '\0') {
		snprintf(why, why_len, "empty value");
		return -1;
	}
	/* RequestParser says this first; only ASCII spaces are told apart here, others fail below */
	n = strlen(value);
	if (value[0] == ' ' || value[0] == '\t' || value[n - 1] == ' ' || value[n - 1] == '\t'
	    || value[n - 1] == '\n') {
		shown(value, s, sizeof(s));
		snprintf(why, why_len, "value '%s' has leading or trailing spaces", s);
		return -1;
	}
	switch (key) {
	case VC_IMAGE:
		return check_image(value, why, why_len);
	case VC_VCPUS:
		return check_count(value, VC_MAX_VCPUS, "vCPUs", normalized, why, why_len);
	case VC_VMS:
		return check_count(value, VC_MAX_VMS_PER_NODE, "VMs per node", normalized, why, why_len);
	case VC_MEM:
		return check_mem(value, normalized, why, why_len);
	case VC_MOUNT:
		return check_mounts(value, normalized, why, why_len);
	case VC_CHECKPOINT:
		return check_checkpoint(value, normalized, why, why_len);
	case VC_SAVE:
		return check_save(value, why, why_len);
	case VC_RESTORE:
		return check_restore(value, why, why_len);
	default:
		snprintf(why, why_len, "unknown option");
		return -1;
	}
}
