/* SPDX-License-Identifier: Apache-2.0 */
/*
 * certs: rollouts-sim's throw-away PKI, generated with the GnuTLS x509 API.
 * Keys are exported as unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), which both
 * OpenSSL (libcurl) and GnuTLS (libmicrohttpd) load.
 */
#include "certs.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "xalloc.h"

#define CERTS_CA_CN "rollouts-sim CA"
#define CERTS_SERVER_CN "rollouts-sim"
#define CERTS_CLIENT_CN "rollouts-sim-admin"
#define CERTS_CLIENT_O "system:masters"
#define CERTS_BACKDATE 3600
#define CERTS_LIFETIME (30L * 24 * 3600)
#define CERTS_SERIAL_LEN 16
#define CERTS_KEYID_MAX 64

enum certs_kind {
	CERTS_CA,
	CERTS_SERVER,
	CERTS_CLIENT,
};

/* What certs_make() builds; issuer and issuer_key are NULL for the CA. */
struct certs_spec {
	enum certs_kind kind;
	const char *what; /* "ca", "server", "client": for messages */
	const char *cn;
	const char *org;  /* or NULL */
	const char *const *extra_sans;
	gnutls_x509_crt_t issuer;
	gnutls_x509_privkey_t issuer_key;
};

/* Append one SAN: an IP SAN when s parses as an address, else a DNS SAN. */
static int
certs_add_san(gnutls_x509_crt_t crt, const char *s)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, s, addr) == 1) {
		return gnutls_x509_crt_set_subject_alt_name(crt,
			GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		return gnutls_x509_crt_set_subject_alt_name(crt,
			GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
	}
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, s,
		(unsigned)strlen(s), GNUTLS_FSAN_APPEND);
}

/* A random positive 16-byte serial with a non-zero leading byte (minimal
 * DER, which strict parsers insist on). */
static int
certs_set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[CERTS_SERIAL_LEN];
	int ret;

	ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	if (ret < 0) {
		return ret;
	}
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

/* Make a key and a certificate for spec; on success *crtp and *keyp are the
 * caller's. Returns 0 or a negative PD_E* code with e filled. */
static int
certs_make(const struct certs_spec *spec, gnutls_x509_crt_t *crtp,
	   gnutls_x509_privkey_t *keyp, struct pd_err *e)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	unsigned char keyid[CERTS_KEYID_MAX];
	size_t keyid_len;
	time_t now = time(NULL);
	const char *step;
	unsigned usage;
	int ret;

	*crtp = NULL;
	*keyp = NULL;

	step = "key";
	ret = gnutls_x509_privkey_init(&key);
	if (ret < 0) {
		goto fail;
	}
	ret = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (ret < 0) {
		goto fail;
	}

	step = "certificate";
	ret = gnutls_x509_crt_init(&crt);
	if (ret < 0) {
		goto fail;
	}
	ret = gnutls_x509_crt_set_version(crt, 3);
	if (ret < 0) {
		goto fail;
	}
	step = "serial";
	ret = certs_set_serial(crt);
	if (ret < 0) {
		goto fail;
	}
	step = "validity";
	ret = gnutls_x509_crt_set_activation_time(crt, now - CERTS_BACKDATE);
	if (ret < 0) {
		goto fail;
	}
	ret = gnutls_x509_crt_set_expiration_time(crt, now + CERTS_LIFETIME);
	if (ret < 0) {
		goto fail;
	}
	step = "subject";
	ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
		0, spec->cn, (unsigned)strlen(spec->cn));
	if (ret < 0) {
		goto fail;
	}
	if (spec->org) {
		ret = gnutls_x509_crt_set_dn_by_oid(crt,
			GNUTLS_OID_X520_ORGANIZATION_NAME, 0, spec->org,
			(unsigned)strlen(spec->org));
		if (ret < 0) {
			goto fail;
		}
	}
	step = "public key";
	ret = gnutls_x509_crt_set_key(crt, key);
	if (ret < 0) {
		goto fail;
	}

	step = "basic constraints";
	ret = gnutls_x509_crt_set_basic_constraints(crt,
		spec->kind == CERTS_CA, -1);
	if (ret < 0) {
		goto fail;
	}
	step = "key usage";
	switch (spec->kind) {
	case CERTS_CA:
		usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
		break;
	case CERTS_SERVER:
		usage = GNUTLS_KEY_DIGITAL_SIGNATURE |
			GNUTLS_KEY_KEY_ENCIPHERMENT;
		break;
	default:
		usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
		break;
	}
	ret = gnutls_x509_crt_set_key_usage(crt, usage);
	if (ret < 0) {
		goto fail;
	}
	if (spec->kind != CERTS_CA) {
		step = "extended key usage";
		ret = gnutls_x509_crt_set_key_purpose_oid(crt,
			spec->kind == CERTS_SERVER ? GNUTLS_KP_TLS_WWW_SERVER
						   : GNUTLS_KP_TLS_WWW_CLIENT,
			0);
		if (ret < 0) {
			goto fail;
		}
	}
	if (spec->kind == CERTS_SERVER) {
		step = "subject alternative names";
		ret = certs_add_san(crt, "127.0.0.1");
		if (ret < 0) {
			goto fail;
		}
		ret = certs_add_san(crt, "::1");
		if (ret < 0) {
			goto fail;
		}
		ret = certs_add_san(crt, "localhost");
		if (ret < 0) {
			goto fail;
		}
		for (size_t i = 0; spec->extra_sans && spec->extra_sans[i];
		     i++) {
			if (!spec->extra_sans[i][0]) {
				ret = GNUTLS_E_INVALID_REQUEST;
				goto fail;
			}
			ret = certs_add_san(crt, spec->extra_sans[i]);
			if (ret < 0) {
				goto fail;
			}
		}
	}

	step = "subject key id";
	keyid_len = sizeof(keyid);
	ret = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, keyid,
					 &keyid_len);
	if (ret < 0) {
		goto fail;
	}
	ret = gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len);
	if (ret < 0) {
		goto fail;
	}
	if (spec->issuer) {
		step = "authority key id";
		keyid_len = sizeof(keyid);
		ret = gnutls_x509_crt_get_subject_key_id(spec->issuer, keyid,
							 &keyid_len, NULL);
		if (ret < 0) {
			goto fail;
		}
		ret = gnutls_x509_crt_set_authority_key_id(crt, keyid,
							   keyid_len);
		if (ret < 0) {
			goto fail;
		}
	}

	step = "signature";
	if (spec->issuer) {
		ret = gnutls_x509_crt_sign2(crt, spec->issuer, spec->issuer_key,
					    GNUTLS_DIG_SHA256, 0);
	} else {
		ret = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256,
					    0);
	}
	if (ret < 0) {
		goto fail;
	}

	*crtp = crt;
	*keyp = key;
	return 0;

fail:
	if (crt) {
		gnutls_x509_crt_deinit(crt);
	}
	if (key) {
		gnutls_x509_privkey_deinit(key);
	}
	return err_set(e, PD_ERUNTIME,
		       "cannot generate %s certificate (%s): %s", spec->what,
		       step, gnutls_strerror(ret));
}

/* Copy a GnuTLS-allocated datum into a malloc()ed string and free it. */
static char *
certs_take_datum(gnutls_datum_t *d)
{
	char *s = xstrndup((const char *)d->data, d->size);

	gnutls_free(d->data);
	d->data = NULL;
	d->size = 0;
	return s;
}

static int
certs_export(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
	     const char *what, char **crt_pem, char **key_pem,
	     struct pd_err *e)
{
	gnutls_datum_t d = { NULL, 0 };
	int ret;

	ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d);
	if (ret < 0) {
		return err_set(e, PD_ERUNTIME,
			       "cannot export %s certificate: %s", what,
			       gnutls_strerror(ret));
	}
	*crt_pem = certs_take_datum(&d);
	ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
						GNUTLS_PKCS_PLAIN, &d);
	if (ret < 0) {
		return err_set(e, PD_ERUNTIME, "cannot export %s key: %s",
			       what, gnutls_strerror(ret));
	}
	*key_pem = certs_take_datum(&d);
	return 0;
}

static void
certs_free_pair(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	if (crt) {
		gnutls_x509_crt_deinit(crt);
	}
	if (key) {
		gnutls_x509_privkey_deinit(key);
	}
}

int
certs_generate(struct sim_certs *c, bool client, const char *client_cn,
	       const char *const *extra_sans, struct pd_err *e)
{
	gnutls_x509_crt_t ca = NULL, srv = NULL, cli = NULL;
	gnutls_x509_privkey_t ca_key = NULL, srv_key = NULL, cli_key = NULL;
	struct certs_spec spec;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = gnutls_global_init();
	if (ret < 0) {
		return err_set(e, PD_ERUNTIME, "cannot initialise gnutls: %s",
			       gnutls_strerror(ret));
	}

	memset(&spec, 0, sizeof(spec));
	spec.kind = CERTS_CA;
	spec.what = "ca";
	spec.cn = CERTS_CA_CN;
	ret = certs_make(&spec, &ca, &ca_key, e);
	if (ret < 0) {
		goto out;
	}
	ret = certs_export(ca, ca_key, spec.what, &c->ca_cert_pem,
			   &c->ca_key_pem, e);
	if (ret < 0) {
		goto out;
	}

	memset(&spec, 0, sizeof(spec));
	spec.kind = CERTS_SERVER;
	spec.what = "server";
	spec.cn = CERTS_SERVER_CN;
	spec.extra_sans = extra_sans;
	spec.issuer = ca;
	spec.issuer_key = ca_key;
	ret = certs_make(&spec, &srv, &srv_key, e);
	if (ret < 0) {
		goto out;
	}
	ret = certs_export(srv, srv_key, spec.what, &c->server_cert_pem,
			   &c->server_key_pem, e);
	if (ret < 0) {
		goto out;
	}

	if (client) {
		memset(&spec, 0, sizeof(spec));
		spec.kind = CERTS_CLIENT;
		spec.what = "client";
		spec.cn = client_cn && client_cn[0] ? client_cn
						    : CERTS_CLIENT_CN;
		spec.org = CERTS_CLIENT_O;
		spec.issuer = ca;
		spec.issuer_key = ca_key;
		ret = certs_make(&spec, &cli, &cli_key, e);
		if (ret < 0) {
			goto out;
		}
		ret = certs_export(cli, cli_key, spec.what,
				   &c->client_cert_pem, &c->client_key_pem, e);
		if (ret < 0) {
			goto out;
		}
	}
	ret = 0;

out:
	certs_free_pair(cli, cli_key);
	certs_free_pair(srv, srv_key);
	certs_free_pair(ca, ca_key);
	if (ret < 0) {
		certs_release(c);
	}
	gnutls_global_deinit();
	return ret;
}

/* Overwrite (private keys) and free one PEM string. */
static void
certs_free_pem(char **p, bool secret)
{
	if (!*p) {
		return;
	}
	if (secret) {
		volatile char *v = *p;
		while (*v) {
			*v++ = '\0';
		}
	}
	free(*p);
	*p = NULL;
}

void
certs_release(struct sim_certs *c)
{
	if (!c) {
		return;
	}
	certs_free_pem(&c->ca_cert_pem, false);
	certs_free_pem(&c->ca_key_pem, true);
	certs_free_pem(&c->server_cert_pem, false);
	certs_free_pem(&c->server_key_pem, true);
	certs_free_pem(&c->client_cert_pem, false);
	certs_free_pem(&c->client_key_pem, true);
	memset(c, 0, sizeof(*c));
}

/* Does crt allow TLS client use? A certificate without the extended key
 * usage extension may be used for anything. */
static bool
certs_allows_client_auth(gnutls_x509_crt_t crt)
{
	char oid[128];

	for (unsigned i = 0;; i++) {
		size_t size = sizeof(oid);
		int ret = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid,
							      &size, NULL);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			return i == 0;
		}
		if (ret < 0) {
			return false;
		}
		if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0 ||
		    strcmp(oid, GNUTLS_KP_ANY) == 0) {
			return true;
		}
	}
}

int
certs_verify_client(const struct sim_certs *c, void *session, char *cn,
		    size_t cnlen)
{
	gnutls_session_t s = session;
	gnutls_x509_crt_t ca = NULL, peer = NULL;
	const gnutls_datum_t *list;
	gnutls_datum_t ca_pem;
	unsigned n = 0, status = 0;
	time_t now = time(NULL);
	int rc = -1, ret;

	if (cn && cnlen) {
		cn[0] = '\0';
	}
	if (!c || !c->ca_cert_pem || !s) {
		return -1;
	}
	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509) {
		return -1;
	}
	list = gnutls_certificate_get_peers(s, &n);
	if (!list || n == 0) {
		return -1;
	}

	if (gnutls_x509_crt_init(&ca) < 0) {
		goto out;
	}
	ca_pem.data = (unsigned char *)c->ca_cert_pem;
	ca_pem.size = (unsigned)strlen(c->ca_cert_pem);
	if (gnutls_x509_crt_import(ca, &ca_pem, GNUTLS_X509_FMT_PEM) < 0) {
		goto out;
	}
	if (gnutls_x509_crt_init(&peer) < 0) {
		goto out;
	}
	if (gnutls_x509_crt_import(peer, &list[0], GNUTLS_X509_FMT_DER) < 0) {
		goto out;
	}

	/* Signature, issuer and (by default) validity period. */
	ret = gnutls_x509_crt_verify(peer, &ca, 1, 0, &status);
	if (ret < 0 || status != 0) {
		goto out;
	}
	/* Check the period explicitly as well, whatever the library default. */
	if (gnutls_x509_crt_get_activation_time(peer) > now ||
	    gnutls_x509_crt_get_expiration_time(peer) < now) {
		goto out;
	}
	if (!certs_allows_client_auth(peer)) {
		goto out;
	}
	if (cn && cnlen) {
		size_t size = cnlen;
		ret = gnutls_x509_crt_get_dn_by_oid(peer,
			GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size);
		if (ret < 0) {
			cn[0] = '\0';
			goto out;
		}
	}
	rc = 0;

out:
	if (peer) {
		gnutls_x509_crt_deinit(peer);
	}
	if (ca) {
		gnutls_x509_crt_deinit(ca);
	}
	return rc;
}
