#pragma once

#include <string>

namespace skiff::apiserver {

// The files skiff-server keeps in its data dir, made on first start.
struct DataDirFiles {
  std::string ca_cert;      // DIR/pki/ca.crt
  std::string ca_key;       // DIR/pki/ca.key (0600)
  std::string server_cert;  // DIR/pki/server.crt, SANs 127.0.0.1, ::1, localhost and the listen host
  std::string server_key;   // DIR/pki/server.key (0600)
  std::string token_file;   // DIR/tokens.csv: token,user,uid,"group1,group2" (kube's token-auth-file)
  std::string kubeconfig;   // DIR/admin.kubeconfig
};

// Makes what is missing of a CA (EC P-256, ten years), a serving certificate signed by it, an
// admin token (user admin in system:masters) in the token file, and an admin kubeconfig that
// reaches https://<server_address> with the CA and the token. Existing files are kept, except
// that the kubeconfig is rewritten with the current server address.
DataDirFiles bootstrap_data_dir(const std::string& dir, const std::string& listen_host,
                                const std::string& server_address);

}  // namespace skiff::apiserver
