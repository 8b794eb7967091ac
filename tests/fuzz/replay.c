/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay: a plain main() for a fuzz target, for builds without libFuzzer
 * (gcc, the normal and ASan+UBSan test builds). Every argument is a file or
 * a directory whose regular files (sorted by name, not recursive) are fed,
 * one at a time, to LLVMFuzzerTestOneInput in an exactly-sized heap copy, so
 * that AddressSanitizer sees reads past the end as libFuzzer would. Exits 0
 * after the last input, 1 when an argument cannot be read (a crash aborts).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Feed one file; 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	size_t alloc = 4096, len = 0;
	uint8_t *data = malloc(alloc);
	if (!data) {
		fclose(f);
		return -1;
	}
	for (;;) {
		if (len == alloc) {
			alloc *= 2;
			uint8_t *grown = realloc(data, alloc);
			if (!grown) {
				free(data);
				fclose(f);
				return -1;
			}
			data = grown;
		}
		size_t n = fread(data + len, 1, alloc - len, f);
		if (n == 0) {
			break;
		}
		len += n;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		free(data);
		return -1;
	}
	/* an exactly-sized copy: one byte past the end is out of bounds */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(data);
		return -1;
	}
	memcpy(exact, data, len);
	free(data);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed every regular file of dir in name order; the count, or -1. */
static long
replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	for (de = readdir(d); de; de = readdir(d)) {
		if (de->d_name[0] == '.') {
			continue;
		}
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			char **grown = realloc(names, alloc * sizeof(*names));
			if (!grown) {
				abort();
			}
			names = grown;
		}
		size_t sz = strlen(dir) + strlen(de->d_name) + 2;
		names[n] = malloc(sz);
		if (!names[n]) {
			abort();
		}
		snprintf(names[n], sz, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n > 1) {
		qsort(names, n, sizeof(*names), replay_cmp);
	}
	long count = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(names[i]) < 0) {
				count = -1;
			} else if (count >= 0) {
				count++;
			}
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	int rc = 0;
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: cannot open '%s': %s\n",
				argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i])
			 : replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0) {
			rc = 1;
		} else {
			total += n;
		}
	}
	printf("replay: %ld inputs\n", total);
	return rc;
}
