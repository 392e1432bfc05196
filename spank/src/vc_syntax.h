/*
 * Syntax of a virtual-cluster request's values, as the SPANK plugin checks them at submission.
 *
 * The SAME rules as org.virtualservices.core.request.RequestParser (Java), which the prolog
 * applies again on every node: both are tested against one table,
 * core/src/test/resources/request/syntax-cases.tsv. Change them together.
 */
#ifndef VC_SYNTAX_H
#define VC_SYNTAX_H

#include <stddef.h>

/* The things a request can say. */
enum vc_key { VC_IMAGE, VC_VCPUS, VC_MEM, VC_VMS, VC_MOUNT, VC_CHECKPOINT, VC_SAVE, VC_RESTORE, VC_KEYS };

/* Sanity bounds, as RequestParser.MAX_*: the site's own limits are checked by `vcluster validate`. */
#define VC_MAX_VCPUS 1024ULL
#define VC_MAX_VMS_PER_NODE 256ULL
#define VC_MAX_MEMORY_MIB (16ULL * 1024 * 1024)
#define VC_MAX_IMAGE_LEN 64
/* A user's own image: user:NAME or user:NAME@REV (UserImages.PREFIX). */
#define VC_USER_IMAGE_PREFIX "user:"
#define VC_MAX_MOUNTS 8
#define VC_MAX_MOUNT_PATH 200
/* The longest value: VC_MAX_MOUNTS folders, each with "=ro", separated by ':'. */
#define VC_MAX_VALUE_LEN (VC_MAX_MOUNTS * (VC_MAX_MOUNT_PATH + 4))

/* The option name of a key without dashes: "vc-image", "vc-vcpus", "vc-mem", "vc-vms", "vc-mount", "vc-checkpoint",
 * "vc-save", "vc-restore". */
const char *vc_option_name(enum vc_key key);

/* The key's word in a request, as `vcluster validate` and its messages name it: "image", ... */
const char *vc_key_word(enum vc_key key);

/*
 * Checks one value. Returns 0 when valid, with *normalized set to the number (vCPUs, VMs per
 * node, memory in MiB; untouched for an image, a name to save as or a job to restore); returns -1 otherwise, with a one-line reason
 * (no option name, no newline) in why[0..why_len).
 */
int vc_check(enum vc_key key, const char *value, unsigned long long *normalized, char *why, size_t why_len);

#endif
