#pragma once

#include <openssl/ssl.h>

#include <string>

namespace skiff {

// What the server's certificate must name, set on ssl before the handshake with host: a DNS
// name (also sent as SNI, which carries names only, RFC 6066; no partial wildcards) or an IP
// address.
void require_peer_name(SSL* ssl, const std::string& host);

}  // namespace skiff
