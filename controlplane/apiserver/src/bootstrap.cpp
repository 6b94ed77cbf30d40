#include "skiff/apiserver/bootstrap.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::apiserver {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void openssl_failed(const std::string& what) {
  throw Error(what + ": OpenSSL error " + std::to_string(ERR_get_error()));
}

Pkey new_ec_key() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) {
    openssl_failed("generate an EC P-256 key");
  }
  return key;
}

std::string pem_of(const std::function<int(BIO*)>& write, const std::string& what) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) {
    openssl_failed(what);
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(size)};
}

Bio read_bio(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    openssl_failed("BIO_new_mem_buf");
  }
  return bio;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    openssl_failed("certificate extension " + value);
  }
}

// A certificate for key, signed by issuer_key (self-signed when issuer is null).
Cert make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               const std::string& sans) {
  Cert cert(X509_new());
  std::array<unsigned char, 16> serial{};
  RAND_bytes(serial.data(), serial.size());
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial.data(), serial.size(), nullptr);
  if (!cert || !bn || X509_set_version(cert.get(), 2) != 1 ||
      !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()))) {
    BN_free(bn);
    openssl_failed("new certificate");
  }
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* issuer_cert = issuer ? issuer : cert.get();
  if (ca) {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  } else {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
    add_extension(cert.get(), issuer_cert, NID_subject_alt_name, sans);
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    openssl_failed("sign certificate " + common_name);
  }
  return cert;
}

std::string random_token() {
  std::array<unsigned char, 24> bytes{};
  if (RAND_bytes(bytes.data(), bytes.size()) != 1) {
    openssl_failed("random token");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0xf];
  }
  return token;
}

std::string san_for(const std::string& host) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, host.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, host.c_str(), buf.data()) == 1) {
    return "IP:" + host;
  }
  return "DNS:" + host;
}

}  // namespace

DataDirFiles bootstrap_data_dir(const std::string& dir, const std::string& listen_host,
                                const std::string& server_address) {
  DataDirFiles files{dir + "/pki/ca.crt",     dir + "/pki/ca.key", dir + "/pki/server.crt",
                     dir + "/pki/server.key", dir + "/tokens.csv", dir + "/admin.kubeconfig"};
  mkdir_all(dir + "/pki", 0700);
  if (!path_exists(files.ca_cert) || !path_exists(files.ca_key)) {
    Pkey key = new_ec_key();
    Cert cert = make_cert(key.get(), "skiff-ca", nullptr, nullptr, true, "");
    write_file_atomic(
        files.ca_key,
        pem_of([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); },
               "write CA key"),
        0600);
    write_file_atomic(files.ca_cert, pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }, "write CA"));
    // A new CA invalidates any serving certificate signed by an old one.
    if (path_exists(files.server_cert)) {
      remove_all(files.server_cert);
    }
  }
  if (!path_exists(files.server_cert) || !path_exists(files.server_key)) {
    // The BIOs read from these strings without copying them.
    std::string ca_pem = read_file(files.ca_cert);
    std::string ca_key_pem = read_file(files.ca_key);
    Bio ca_bio = read_bio(ca_pem);
    Cert ca(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
    Bio key_bio = read_bio(ca_key_pem);
    Pkey ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!ca || !ca_key) {
      openssl_failed("read " + files.ca_cert + " and " + files.ca_key);
    }
    std::string sans = "IP:127.0.0.1,IP:::1,DNS:localhost";
    if (!listen_host.empty() && listen_host != "127.0.0.1" && listen_host != "::1" && listen_host != "localhost" &&
        listen_host != "0.0.0.0" && listen_host != "::") {
      sans += "," + san_for(listen_host);
    }
    Pkey key = new_ec_key();
    Cert cert = make_cert(key.get(), "skiff-server", ca.get(), ca_key.get(), false, sans);
    write_file_atomic(
        files.server_key,
        pem_of([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); },
               "write server key"),
        0600);
    write_file_atomic(files.server_cert,
                      pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }, "write server certificate"));
  }
  if (!path_exists(files.token_file)) {
    write_file_atomic(files.token_file, random_token() + ",admin,admin,\"system:masters\"\n", 0600);
  }
  std::string token = read_file(files.token_file);
  token = token.substr(0, token.find(','));
  std::string kubeconfig =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: skiff\n  cluster:\n"
      "    certificate-authority-data: " +
      base64_encode(read_file(files.ca_cert)) + "\n    server: https://" + server_address +
      "\ncontexts:\n- name: skiff\n  context:\n    cluster: skiff\n    user: admin\n"
      "current-context: skiff\nusers:\n- name: admin\n  user:\n    token: " +
      token + "\n";
  write_file_atomic(files.kubeconfig, kubeconfig, 0600);
  return files;
}

}  // namespace skiff::apiserver
