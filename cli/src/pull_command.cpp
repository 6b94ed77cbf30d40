#include <unistd.h>

#include <iostream>
#include <memory>

#include "command_context.h"
#include "skiff/base/error.h"
#include "skiff/cli/pull_progress.h"
#include "skiff/image/auth_file.h"
#include "skiff/image/pull.h"
#include "skiff/image/reference.h"

namespace skiff::cli {

namespace {

struct PullFlags {
  std::string reference;
  bool quiet = false;
  std::string platform;
  std::string creds;
  std::string authfile;
  bool tls_verify = true;
};

image::Credentials parse_creds(const std::string& creds) {
  auto colon = creds.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw Error("--creds: want USERNAME:PASSWORD (got \"" + creds + "\")");
  }
  return image::Credentials{
      .username = creds.substr(0, colon), .password = creds.substr(colon + 1), .identity_token = {}};
}

int pull(Context& ctx, const PullFlags& flags) {
  auto ref = image::Reference::parse(flags.reference);
  image::PullOptions options;
  if (!flags.platform.empty()) {
    options.platform = image::Platform::parse(flags.platform);
  }
  options.registries = Context::registries();
  if (!flags.tls_verify) {
    options.registries.mark_insecure(ref.registry);
  }
  if (!flags.creds.empty()) {
    options.credentials = parse_creds(flags.creds);
  } else {
    options.credentials = image::find_credentials(ref, flags.authfile);
  }
  std::unique_ptr<PullProgress> progress;
  if (!flags.quiet) {
    std::cerr << "Trying to pull " << ref.str() << "...\n";
    progress = std::make_unique<PullProgress>(std::cerr, is_terminal(STDERR_FILENO));
    options.progress = progress->callback();
  }
  auto record = image::pull(flags.reference, ctx.store(), options);
  if (progress) {
    progress->finish();
    std::cerr << "Writing manifest to image destination\n";
  }
  std::cout << record.id.hex() << "\n";
  return 0;
}

}  // namespace

void add_pull_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<PullFlags>();
  auto* cmd = parent.add_subcommand("pull", "pull an image from a registry into the store");
  cmd->add_flag("-q,--quiet", flags->quiet, "print only the image id");
  cmd->add_option("--platform", flags->platform, "OS/ARCH[/VARIANT] to pick from a multi-platform image");
  cmd->add_option("--creds", flags->creds, "USERNAME:PASSWORD for the registry");
  cmd->add_option("--authfile", flags->authfile,
                  "auth.json with registry credentials (default: podman's and docker's usual files)");
  cmd->add_flag("--tls-verify", flags->tls_verify,
                "require HTTPS with a verified certificate; --tls-verify=false uses plain HTTP");
  cmd->add_option("image", flags->reference, "image reference: [REGISTRY/]NAME[:TAG|@DIGEST]")->required();
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return pull(ctx, *flags); }, true); });
}

}  // namespace skiff::cli
