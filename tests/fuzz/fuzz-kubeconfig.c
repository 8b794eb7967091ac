/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-kubeconfig: kubeconfig_load on a file written from the input into a
 * private temporary directory (also HOME; no in-cluster configuration),
 * loaded twice: named by --kubeconfig, and twice in $KUBECONFIG (the merge
 * rules). Loading must never run an exec credential plugin: this file
 * defines posix_spawn() and posix_spawnp(), which take precedence over
 * libc's, and abort() if anything calls them.
 */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "kubeconfig.h"

static char fuzz_kubeconfig_dir[1024];
static char fuzz_kubeconfig_file[1100];
static char fuzz_kubeconfig_list[2300];

int
posix_spawn(pid_t *pid, const char *path,
	    const posix_spawn_file_actions_t *fa,
	    const posix_spawnattr_t *attr, char *const argv[],
	    char *const envp[])
{
	fprintf(stderr, "fuzz-kubeconfig: posix_spawn('%s') while loading\n",
		path);
	abort();
}

int
posix_spawnp(pid_t *pid, const char *file,
	     const posix_spawn_file_actions_t *fa,
	     const posix_spawnattr_t *attr, char *const argv[],
	     char *const envp[])
{
	fprintf(stderr, "fuzz-kubeconfig: posix_spawnp('%s') while loading\n",
		file);
	abort();
}

static void
fuzz_kubeconfig_cleanup(void)
{
	unlink(fuzz_kubeconfig_file);
	rmdir(fuzz_kubeconfig_dir);
}

/* The temporary directory and a clean environment, once. */
static int
fuzz_kubeconfig_setup(void)
{
	if (fuzz_kubeconfig_dir[0]) {
		return 0;
	}
	/* $TMPDIR, /tmp only when it is unset or empty */
	const char *tmpdir = getenv("TMPDIR");
	snprintf(fuzz_kubeconfig_dir, sizeof(fuzz_kubeconfig_dir),
		 "%s/fuzz-kubeconfig.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(fuzz_kubeconfig_dir)) {
		perror("fuzz-kubeconfig: mkdtemp");
		abort();
	}
	snprintf(fuzz_kubeconfig_file, sizeof(fuzz_kubeconfig_file),
		 "%s/config", fuzz_kubeconfig_dir);
	snprintf(fuzz_kubeconfig_list, sizeof(fuzz_kubeconfig_list),
		 "%s:%s", fuzz_kubeconfig_file, fuzz_kubeconfig_file);
	atexit(fuzz_kubeconfig_cleanup);
	setenv("HOME", fuzz_kubeconfig_dir, 1);
	setenv("PDKIT_SA_DIR", "/nonexistent/serviceaccount", 1);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_kubeconfig_setup();
	FILE *f = fopen(fuzz_kubeconfig_file, "wb");
	if (!f) {
		perror("fuzz-kubeconfig: fopen");
		abort();
	}
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror("fuzz-kubeconfig: write");
		abort();
	}

	struct kube_flags fl = { 0 };
	fl.insecure_skip_tls_verify = -1;
	fl.kubeconfig = fuzz_kubeconfig_file;
	struct kube_config cfg = { 0 };
	struct pd_err e = { 0 };
	(void)kubeconfig_load(&cfg, &fl, &e);
	kubeconfig_release(&cfg);

	struct kube_flags none = { 0 };
	none.insecure_skip_tls_verify = -1;
	struct kube_config merged = { 0 };
	struct pd_err e2 = { 0 };
	setenv("KUBECONFIG", fuzz_kubeconfig_list, 1);
	(void)kubeconfig_load(&merged, &none, &e2);
	unsetenv("KUBECONFIG");
	kubeconfig_release(&merged);
	return 0;
}
