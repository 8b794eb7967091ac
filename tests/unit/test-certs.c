/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for plugins/simhttp/certs.c: the generated PEMs are
 * re-imported and inspected with GnuTLS, checked with the openssl tool when
 * it is installed, and used for a real mutual-TLS handshake over a
 * socketpair with certs_verify_client() on the server side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../tap.h"
#include "certs.h"
#include "xalloc.h"

static gnutls_x509_crt_t
certs_test_crt(const char *pem)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;

	if (!pem || gnutls_x509_crt_init(&crt) < 0) {
		return NULL;
	}
	d.data = (unsigned char *)pem;
	d.size = (unsigned)strlen(pem);
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		return NULL;
	}
	return crt;
}

static gnutls_x509_privkey_t
certs_test_key(const char *pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t d;

	if (!pem || gnutls_x509_privkey_init(&key) < 0) {
		return NULL;
	}
	d.data = (unsigned char *)pem;
	d.size = (unsigned)strlen(pem);
	if (gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_privkey_deinit(key);
		return NULL;
	}
	return key;
}

static bool
certs_test_starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The subject DN attribute oid of crt, or "" when absent. */
static const char *
certs_test_dn(gnutls_x509_crt_t crt, const char *oid, char *out, size_t len)
{
	size_t size = len;

	out[0] = '\0';
	if (gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, out, &size) < 0) {
		out[0] = '\0';
	}
	return out;
}

static bool
certs_test_verifies(gnutls_x509_crt_t crt, gnutls_x509_crt_t ca)
{
	unsigned status = 0;
	int ret = gnutls_x509_crt_verify(crt, &ca, 1, 0, &status);

	return ret == 0 && status == 0;
}

/* Is want (a DNS name or textual IP) among the SANs of crt? */
static bool
certs_test_has_san(gnutls_x509_crt_t crt, const char *want)
{
	for (unsigned i = 0;; i++) {
		char data[256], text[INET6_ADDRSTRLEN];
		size_t size = sizeof(data);
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, data,
								&size, NULL);
		if (type < 0) {
			return false;
		}
		if (type == GNUTLS_SAN_DNSNAME && size == strlen(want) &&
		    memcmp(data, want, size) == 0) {
			return true;
		}
		if (type == GNUTLS_SAN_IPADDRESS && size == 4 &&
		    inet_ntop(AF_INET, data, text, sizeof(text)) &&
		    strcmp(text, want) == 0) {
			return true;
		}
		if (type == GNUTLS_SAN_IPADDRESS && size == 16 &&
		    inet_ntop(AF_INET6, data, text, sizeof(text)) &&
		    strcmp(text, want) == 0) {
			return true;
		}
	}
}

static bool
certs_test_has_purpose(gnutls_x509_crt_t crt, const char *want)
{
	for (unsigned i = 0;; i++) {
		char oid[128];
		size_t size = sizeof(oid);
		int ret = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid,
							      &size, NULL);
		if (ret < 0) {
			return false;
		}
		if (strcmp(oid, want) == 0) {
			return true;
		}
	}
}

static bool
certs_test_key_matches(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	if (!crt || !key) {
		return false;
	}
	if (gnutls_x509_crt_get_key_id(crt, 0, a, &alen) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, 0, b, &blen) < 0) {
		return false;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

static bool
certs_test_is_p256(gnutls_x509_crt_t crt)
{
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	int ret;

	if (gnutls_x509_crt_get_pk_algorithm(crt, NULL) != GNUTLS_PK_ECDSA) {
		return false;
	}
	ret = gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y);
	gnutls_free(x.data);
	gnutls_free(y.data);
	return ret == 0 && curve == GNUTLS_ECC_CURVE_SECP256R1;
}

/* --- openssl command-line cross-check ----------------------------------- */

static int
certs_test_write(const char *dir, const char *name, const char *data)
{
	char path[512];
	FILE *f;
	size_t len = strlen(data);
	int ok_;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		return -1;
	}
	ok_ = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0) {
		ok_ = 0;
	}
	return ok_ ? 0 : -1;
}

static void
certs_test_unlink(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Run a shell command in dir, output discarded; its exit status or -1. */
static int
certs_test_sh(const char *dir, const char *cmd)
{
	char full[1024];
	int st;

	/* the directory goes through the environment: any TMPDIR quotes */
	setenv("CERTS_TEST_DIR", dir, 1);
	snprintf(full, sizeof(full), "cd \"$CERTS_TEST_DIR\" && { %s; } >/dev/null 2>&1",
		 cmd);
	st = system(full);
	if (st == -1 || !WIFEXITED(st)) {
		return -1;
	}
	return WEXITSTATUS(st);
}

static bool
certs_test_have_openssl(void)
{
	int st = system("openssl version >/dev/null 2>&1");

	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static const char *const certs_test_files[] = {
	"ca.pem", "server.pem", "server.key", "client.pem", "client.key",
	"a.pub", "b.pub", "c.pub", "d.pub",
};

static void
certs_test_openssl(const struct sim_certs *c)
{
	const char *tmpdir = getenv("TMPDIR");
	char *tmpl;
	const char *dir;
	size_t nfiles = sizeof(certs_test_files) / sizeof(certs_test_files[0]);

	if (!certs_test_have_openssl()) {
		/* a TAP skip (not a pass): meson counts it as skipped */
		ok(1, "openssl checks # SKIP openssl is not on PATH");
		return;
	}
	/* $TMPDIR, /tmp only when it is unset or empty */
	tmpl = xasprintf("%s/test-certs.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	dir = mkdtemp(tmpl);
	ok(dir != NULL, "mkdtemp for the openssl checks");
	if (!dir) {
		free(tmpl);
		return;
	}
	ok(certs_test_write(dir, "ca.pem", c->ca_cert_pem) == 0 &&
	   certs_test_write(dir, "server.pem", c->server_cert_pem) == 0 &&
	   certs_test_write(dir, "server.key", c->server_key_pem) == 0 &&
	   certs_test_write(dir, "client.pem", c->client_cert_pem) == 0 &&
	   certs_test_write(dir, "client.key", c->client_key_pem) == 0,
	   "PEMs written to the temp dir");
	is_int(certs_test_sh(dir, "openssl verify -CAfile ca.pem "
			     "-purpose sslserver server.pem"), 0,
	       "openssl verify accepts the server cert (sslserver)");
	is_int(certs_test_sh(dir, "openssl verify -CAfile ca.pem "
			     "-purpose sslclient client.pem"), 0,
	       "openssl verify accepts the client cert (sslclient)");
	is_int(certs_test_sh(dir,
			     "openssl x509 -in server.pem -noout -pubkey >a.pub"
			     " && openssl pkey -in server.key -pubout >b.pub"
			     " && cmp a.pub b.pub"), 0,
	       "openssl loads the server key and it matches the cert");
	is_int(certs_test_sh(dir,
			     "openssl x509 -in client.pem -noout -pubkey >c.pub"
			     " && openssl pkey -in client.key -pubout >d.pub"
			     " && cmp c.pub d.pub"), 0,
	       "openssl loads the client key and it matches the cert");
	for (size_t i = 0; i < nfiles; i++) {
		certs_test_unlink(dir, certs_test_files[i]);
	}
	if (rmdir(dir) != 0) {
		printf("# cannot remove %s: %s\n", dir, strerror(errno));
	}
	free(tmpl);
}

/* --- a real handshake over a socketpair --------------------------------- */

struct certs_test_server {
	const struct sim_certs *certs;
	gnutls_certificate_request_t req;
	int fd;
	int handshake;     /* gnutls_handshake() result */
	int verify;        /* certs_verify_client() result */
	unsigned peers;    /* certificates the client sent */
	char cn[128];
};

static void *
certs_test_server_run(void *arg)
{
	struct certs_test_server *srv = arg;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	gnutls_datum_t cert, key, ca;
	unsigned char reply;
	int ret;

	srv->handshake = GNUTLS_E_INTERNAL_ERROR;
	srv->verify = -2;
	cert.data = (unsigned char *)srv->certs->server_cert_pem;
	cert.size = (unsigned)strlen(srv->certs->server_cert_pem);
	key.data = (unsigned char *)srv->certs->server_key_pem;
	key.size = (unsigned)strlen(srv->certs->server_key_pem);
	ca.data = (unsigned char *)srv->certs->ca_cert_pem;
	ca.size = (unsigned)strlen(srv->certs->ca_cert_pem);

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		goto out;
	}
	ret = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
						  GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		srv->handshake = ret;
		goto out;
	}
	if (gnutls_certificate_set_x509_trust_mem(cred, &ca,
						  GNUTLS_X509_FMT_PEM) < 0) {
		goto out;
	}
	if (gnutls_init(&s, GNUTLS_SERVER) < 0) {
		goto out;
	}
	if (gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
		goto out;
	}
	gnutls_certificate_server_set_request(s, srv->req);
	gnutls_transport_set_int(s, srv->fd);
	gnutls_handshake_set_timeout(s, 10000);
	do {
		ret = gnutls_handshake(s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	srv->handshake = ret;
	if (ret < 0) {
		goto out;
	}
	gnutls_certificate_get_peers(s, &srv->peers);
	srv->verify = certs_verify_client(srv->certs, s, srv->cn,
					  sizeof(srv->cn));
	reply = srv->verify == 0 ? 'Y' : 'N';
	do {
		ret = gnutls_record_send(s, &reply, 1);
	} while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED);
	gnutls_bye(s, GNUTLS_SHUT_WR);

out:
	if (s) {
		gnutls_deinit(s);
	}
	if (cred) {
		gnutls_certificate_free_credentials(cred);
	}
	close(srv->fd);
	return NULL;
}

struct certs_test_result {
	int client_handshake;
	unsigned client_status; /* verification of the server by the client */
	char reply;             /* 'Y', 'N', or 0 when nothing came */
	int server_handshake;
	int verify;
	unsigned peers;
	char cn[128];
};

/*
 * Handshake between a server holding srv_certs (which asks for a client
 * certificate per req) and a client presenting cli_certs' client cert, or
 * none when cli_certs is NULL. The client trusts trust's CA and checks the
 * server name "localhost".
 */
static int
certs_test_handshake(const struct sim_certs *srv_certs,
		     gnutls_certificate_request_t req,
		     const struct sim_certs *cli_certs,
		     const struct sim_certs *trust, struct certs_test_result *r)
{
	struct certs_test_server srv;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	gnutls_datum_t ca;
	pthread_t th;
	int sv[2], ret;
	unsigned char reply;

	memset(r, 0, sizeof(*r));
	r->client_handshake = GNUTLS_E_INTERNAL_ERROR;
	r->client_status = ~0U;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		return -1;
	}
	memset(&srv, 0, sizeof(srv));
	srv.certs = srv_certs;
	srv.req = req;
	srv.fd = sv[1];
	if (pthread_create(&th, NULL, certs_test_server_run, &srv) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		goto out;
	}
	ca.data = (unsigned char *)trust->ca_cert_pem;
	ca.size = (unsigned)strlen(trust->ca_cert_pem);
	if (gnutls_certificate_set_x509_trust_mem(cred, &ca,
						  GNUTLS_X509_FMT_PEM) < 0) {
		goto out;
	}
	if (cli_certs) {
		gnutls_datum_t cert, key;
		cert.data = (unsigned char *)cli_certs->client_cert_pem;
		cert.size = (unsigned)strlen(cli_certs->client_cert_pem);
		key.data = (unsigned char *)cli_certs->client_key_pem;
		key.size = (unsigned)strlen(cli_certs->client_key_pem);
		ret = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
							  GNUTLS_X509_FMT_PEM);
		if (ret < 0) {
			goto out;
		}
	}
	if (gnutls_init(&s, GNUTLS_CLIENT) < 0) {
		goto out;
	}
	if (gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost",
				   strlen("localhost")) < 0) {
		goto out;
	}
	gnutls_session_set_verify_cert(s, "localhost", 0);
	gnutls_transport_set_int(s, sv[0]);
	gnutls_handshake_set_timeout(s, 10000);
	do {
		ret = gnutls_handshake(s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	r->client_handshake = ret;
	if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR || ret == 0) {
		r->client_status = gnutls_session_get_verify_cert_status(s);
	}
	if (ret < 0) {
		goto out;
	}
	do {
		ret = gnutls_record_recv(s, &reply, 1);
	} while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED);
	if (ret == 1) {
		r->reply = (char)reply;
	}
	gnutls_bye(s, GNUTLS_SHUT_WR);

out:
	if (s) {
		gnutls_deinit(s);
	}
	if (cred) {
		gnutls_certificate_free_credentials(cred);
	}
	/* Closing our end unblocks a server still waiting on us. */
	close(sv[0]);
	pthread_join(th, NULL);
	r->server_handshake = srv.handshake;
	r->verify = srv.verify;
	r->peers = srv.peers;
	memcpy(r->cn, srv.cn, sizeof(r->cn));
	return 0;
}

static void
certs_test_handshakes(const struct sim_certs *c, const struct sim_certs *other)
{
	struct certs_test_result r;

	/* Mutual TLS with the right client cert. */
	is_int(certs_test_handshake(c, GNUTLS_CERT_REQUIRE, c, c, &r), 0,
	       "handshake harness ran");
	is_int(r.client_handshake, 0, "client handshake succeeds");
	is_int(r.client_status, 0, "client verifies the server as localhost");
	is_int(r.server_handshake, 0, "server handshake succeeds");
	is_int(r.verify, 0, "certs_verify_client accepts the client cert");
	is_str(r.cn, "rollouts-sim-admin", "certs_verify_client copies the CN");
	is_int(r.reply, 'Y', "client reads the server's answer");

	/* A client cert from another (same-named) CA. */
	certs_test_handshake(c, GNUTLS_CERT_REQUIRE, other, c, &r);
	is_int(r.server_handshake, 0,
	       "handshake with a foreign client cert completes");
	ok(r.peers > 0, "the foreign client cert was sent");
	is_int(r.verify, -1,
	       "certs_verify_client rejects a cert from another CA");
	is_str(r.cn, "", "no CN handed out for a rejected cert");

	/* No client cert, server only asking for one. */
	certs_test_handshake(c, GNUTLS_CERT_REQUEST, NULL, c, &r);
	is_int(r.server_handshake, 0,
	       "handshake without a client cert completes (request)");
	is_int(r.verify, -1, "certs_verify_client rejects a missing cert");
	is_int(r.reply, 'N', "client reads the refusal");

	/* No client cert, server requiring one. */
	certs_test_handshake(c, GNUTLS_CERT_REQUIRE, NULL, c, &r);
	ok(r.server_handshake < 0,
	   "server requiring a cert fails the handshake without one");

	/* The client refuses a server from another CA. */
	certs_test_handshake(c, GNUTLS_CERT_REQUIRE, c, other, &r);
	ok(r.client_handshake < 0,
	   "client refuses a server cert from another CA");
}

int
main(void)
{
	struct sim_certs c, cc, c2, z, zero;
	struct pd_err e;
	const char *const extra[] = { "sim.example.test", "10.1.2.3",
				      "fd00::7", NULL };
	gnutls_x509_crt_t ca, srv, cli, ca2;
	gnutls_x509_privkey_t ca_key, srv_key, cli_key;
	unsigned char skid[64], akid[64];
	size_t skid_len = sizeof(skid), akid_len = sizeof(akid);
	unsigned critical = 0, usage = 0;
	unsigned char serial[64];
	size_t serial_len = sizeof(serial);
	char buf[256];
	time_t now = time(NULL);
	int ret;

	/* A peer that gives up mid-handshake must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	gnutls_global_init();

	/* --- without client certs, with extra SANs ------------------------- */
	memset(&e, 0, sizeof(e));
	memset(&c, 0xff, sizeof(c)); /* generate must not trust the input */
	ret = certs_generate(&c, false, NULL, extra, &e);
	is_int(ret, 0, "certs_generate without client certs");
	if (ret != 0) {
		printf("# %s\n", e.msg);
		return done_testing();
	}
	ok(certs_test_starts(c.ca_cert_pem, "-----BEGIN CERTIFICATE-----"),
	   "CA cert is PEM");
	ok(certs_test_starts(c.server_cert_pem, "-----BEGIN CERTIFICATE-----"),
	   "server cert is PEM");
	ok(certs_test_starts(c.ca_key_pem, "-----BEGIN PRIVATE KEY-----") &&
	   certs_test_starts(c.server_key_pem, "-----BEGIN PRIVATE KEY-----"),
	   "keys are PKCS#8 PEM");
	ok(c.client_cert_pem == NULL && c.client_key_pem == NULL,
	   "no client cert unless asked for");

	ca = certs_test_crt(c.ca_cert_pem);
	srv = certs_test_crt(c.server_cert_pem);
	ca_key = certs_test_key(c.ca_key_pem);
	srv_key = certs_test_key(c.server_key_pem);
	ok(ca && srv && ca_key && srv_key, "GnuTLS re-imports all the PEMs");
	if (!ca || !srv || !ca_key || !srv_key) {
		return done_testing();
	}

	/* The CA. */
	is_str(certs_test_dn(ca, GNUTLS_OID_X520_COMMON_NAME, buf, sizeof(buf)),
	       "rollouts-sim CA", "CA CN");
	ret = gnutls_x509_crt_get_basic_constraints(ca, &critical, NULL, NULL);
	ok(ret > 0 && critical, "CA has critical basicConstraints CA:TRUE");
	ok(gnutls_x509_crt_get_key_usage(ca, &usage, NULL) >= 0 &&
	   (usage & GNUTLS_KEY_KEY_CERT_SIGN) && (usage & GNUTLS_KEY_CRL_SIGN),
	   "CA keyUsage certSign|cRLSign");
	ok(gnutls_x509_crt_get_subject_key_id(ca, skid, &skid_len, NULL) >= 0 &&
	   skid_len > 0, "CA has a subject key id");
	ok(certs_test_verifies(ca, ca), "CA is self-signed");
	ok(gnutls_x509_crt_get_serial(ca, serial, &serial_len) >= 0 &&
	   serial_len == 16 && serial[0] < 0x80 && serial[0] != 0,
	   "CA serial is a positive 16-byte number");
	ok(certs_test_is_p256(ca), "CA key is ECDSA P-256");
	ok(certs_test_key_matches(ca, ca_key), "CA key matches the CA cert");

	/* The server cert. */
	is_str(certs_test_dn(srv, GNUTLS_OID_X520_COMMON_NAME, buf,
			     sizeof(buf)),
	       "rollouts-sim", "server CN");
	ok(certs_test_verifies(srv, ca), "server cert verifies against the CA");
	ok(certs_test_has_san(srv, "127.0.0.1"), "server SAN IP 127.0.0.1");
	ok(certs_test_has_san(srv, "::1"), "server SAN IP ::1");
	ok(certs_test_has_san(srv, "localhost"), "server SAN DNS localhost");
	ok(certs_test_has_san(srv, "sim.example.test"),
	   "server extra SAN DNS sim.example.test");
	ok(certs_test_has_san(srv, "10.1.2.3"), "server extra SAN IP 10.1.2.3");
	ok(certs_test_has_san(srv, "fd00::7"), "server extra SAN IP fd00::7");
	ok(!certs_test_has_san(srv, "10.1.2.4"), "no SAN that was not asked");
	ok(gnutls_x509_crt_check_hostname(srv, "localhost") &&
	   gnutls_x509_crt_check_hostname(srv, "127.0.0.1"),
	   "GnuTLS hostname check passes for localhost and 127.0.0.1");
	ok(certs_test_has_purpose(srv, GNUTLS_KP_TLS_WWW_SERVER) &&
	   !certs_test_has_purpose(srv, GNUTLS_KP_TLS_WWW_CLIENT),
	   "server extKeyUsage serverAuth only");
	usage = 0;
	ok(gnutls_x509_crt_get_key_usage(srv, &usage, NULL) >= 0 &&
	   (usage & GNUTLS_KEY_DIGITAL_SIGNATURE) &&
	   (usage & GNUTLS_KEY_KEY_ENCIPHERMENT) &&
	   !(usage & GNUTLS_KEY_KEY_CERT_SIGN),
	   "server keyUsage digitalSignature|keyEncipherment");
	is_int(gnutls_x509_crt_get_basic_constraints(srv, NULL, NULL, NULL),
	       0, "server basicConstraints CA:FALSE");
	ok(gnutls_x509_crt_get_authority_key_id(srv, akid, &akid_len, NULL) >=
		   0 &&
	   akid_len == skid_len && memcmp(akid, skid, skid_len) == 0,
	   "server authority key id is the CA's subject key id");
	ok(gnutls_x509_crt_get_signature_algorithm(srv) ==
		   GNUTLS_SIGN_ECDSA_SHA256,
	   "server cert signed with ECDSA-SHA256");
	ok(certs_test_is_p256(srv), "server key is ECDSA P-256");
	ok(certs_test_key_matches(srv, srv_key),
	   "server key matches the server cert");
	ok(!certs_test_key_matches(srv, ca_key),
	   "CA key does not match the server cert");
	ok(gnutls_x509_crt_get_activation_time(srv) <= now - 3500 &&
	   gnutls_x509_crt_get_activation_time(srv) >= now - 3700,
	   "server cert active since about an hour ago");
	ok(gnutls_x509_crt_get_expiration_time(srv) >= now + 30 * 86400 - 100 &&
	   gnutls_x509_crt_get_expiration_time(srv) <= now + 30 * 86400 + 100,
	   "server cert expires in 30 days");
	gnutls_x509_crt_deinit(srv);
	gnutls_x509_privkey_deinit(srv_key);
	gnutls_x509_privkey_deinit(ca_key);

	/* --- with client certs --------------------------------------------- */
	ret = certs_generate(&cc, true, NULL, NULL, &e);
	is_int(ret, 0, "certs_generate with client certs");
	if (ret != 0) {
		printf("# %s\n", e.msg);
		return done_testing();
	}
	ok(certs_test_starts(cc.client_key_pem, "-----BEGIN PRIVATE KEY-----"),
	   "client key is PKCS#8 PEM");
	cli = certs_test_crt(cc.client_cert_pem);
	cli_key = certs_test_key(cc.client_key_pem);
	ca2 = certs_test_crt(cc.ca_cert_pem);
	ok(cli && cli_key && ca2, "GnuTLS re-imports the client PEMs");
	if (!cli || !cli_key || !ca2) {
		return done_testing();
	}
	ok(certs_test_verifies(cli, ca2), "client cert verifies against its CA");
	ok(!certs_test_verifies(cli, ca),
	   "client cert does not verify against another run's CA");
	is_str(certs_test_dn(cli, GNUTLS_OID_X520_COMMON_NAME, buf,
			     sizeof(buf)),
	       "rollouts-sim-admin", "client CN defaults to rollouts-sim-admin");
	is_str(certs_test_dn(cli, GNUTLS_OID_X520_ORGANIZATION_NAME, buf,
			     sizeof(buf)),
	       "system:masters", "client O is system:masters");
	ok(certs_test_has_purpose(cli, GNUTLS_KP_TLS_WWW_CLIENT) &&
	   !certs_test_has_purpose(cli, GNUTLS_KP_TLS_WWW_SERVER),
	   "client extKeyUsage clientAuth only");
	is_int(gnutls_x509_crt_get_basic_constraints(cli, NULL, NULL, NULL), 0,
	       "client basicConstraints CA:FALSE");
	ok(certs_test_key_matches(cli, cli_key),
	   "client key matches the client cert");
	ok(certs_test_is_p256(cli), "client key is ECDSA P-256");
	gnutls_x509_crt_deinit(cli);
	gnutls_x509_privkey_deinit(cli_key);
	gnutls_x509_crt_deinit(ca2);
	gnutls_x509_crt_deinit(ca);

	certs_test_openssl(&cc);

	/* --- a custom client CN -------------------------------------------- */
	ret = certs_generate(&c2, true, "alice", NULL, &e);
	is_int(ret, 0, "certs_generate with client CN alice");
	cli = certs_test_crt(c2.client_cert_pem);
	ok(cli != NULL, "alice's cert imports");
	if (cli) {
		is_str(certs_test_dn(cli, GNUTLS_OID_X520_COMMON_NAME, buf,
				     sizeof(buf)),
		       "alice", "client CN is the one given");
		is_str(certs_test_dn(cli, GNUTLS_OID_X520_ORGANIZATION_NAME,
				     buf, sizeof(buf)),
		       "system:masters", "alice is in system:masters");
		gnutls_x509_crt_deinit(cli);
	}
	ok(strcmp(c2.ca_cert_pem, cc.ca_cert_pem) != 0,
	   "each run makes a fresh CA");

	/* --- handshakes ---------------------------------------------------- */
	certs_test_handshakes(&cc, &c2);
	ok(certs_verify_client(&cc, NULL, buf, sizeof(buf)) == -1 &&
	   buf[0] == '\0', "certs_verify_client refuses a NULL session");

	/* --- errors and release -------------------------------------------- */
	{
		const char *const bad[] = { "", NULL };
		struct sim_certs b;
		memset(&e, 0, sizeof(e));
		ret = certs_generate(&b, false, NULL, bad, &e);
		ok(ret < 0 && e.code == PD_ERUNTIME &&
		   strstr(e.msg, "cannot generate server") != NULL,
		   "an empty extra SAN is an error with a message");
		ok(b.ca_cert_pem == NULL && b.server_cert_pem == NULL,
		   "nothing is left allocated after an error");
		certs_release(&b);
	}

	certs_release(&c);
	certs_release(&cc);
	certs_release(&c2);
	ok(c.ca_cert_pem == NULL && c.server_key_pem == NULL &&
	   cc.client_cert_pem == NULL && cc.client_key_pem == NULL,
	   "certs_release frees and zeroes");
	memset(&z, 0, sizeof(z));
	memset(&zero, 0, sizeof(zero));
	certs_release(&z);
	ok(memcmp(&z, &zero, sizeof(z)) == 0, "certs_release on a zeroed struct leaves it zeroed");
	certs_release(&c);
	ok(c.ca_cert_pem == NULL && c.server_key_pem == NULL,
	   "certs_release twice: the second is a no-op");

	gnutls_global_deinit();
	return done_testing();
}
