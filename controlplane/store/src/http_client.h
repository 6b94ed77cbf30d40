#pragma once

// etcd's JSON gateway is reached with the shared HTTP client of the api module.
#include "skiff/api/http_client.h"

namespace skiff::store {

using api::HttpClient;
using api::HttpResult;
using api::HttpStream;

}  // namespace skiff::store
