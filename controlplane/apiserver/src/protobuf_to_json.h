// Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf, as kubectl's typed
// clients send them) decoded to the JSON object the server stores.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace skiff::apiserver {

// Decodes "k8s\0" + runtime.Unknown{typeMeta, raw} into the object's JSON, with apiVersion and
// kind from the envelope. A type or field the tables lack is a 415 naming the message and field
// number (never dropped silently); malformed bytes are a 400. `kind` is the kind the request
// path expects, for messages.
boost::json::value protobuf_to_json(std::string_view body, const std::string& kind);

}  // namespace skiff::apiserver
