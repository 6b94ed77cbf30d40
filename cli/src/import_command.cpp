#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include "command_context.h"
#include "rootfs_import.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/cli/pull_progress.h"
#include "temp_file.h"

namespace skiff::cli {

namespace {

struct ImportFlags {
  std::string path;
  std::string name;
  std::vector<std::string> changes;
  std::string message;
  bool quiet = false;
};

int import_tarball(Context& ctx, const ImportFlags& flags) {
  std::optional<TempFile> copy;
  std::string path = flags.path;
  if (path == "-") {
    copy.emplace();
    copy_fd(STDIN_FILENO, copy->fd(), "import: copy the tarball from stdin to " + copy->path());
    path = copy->path();
  } else if (!path_exists(path)) {
    throw Error("import: " + path + ": no such file (want a tarball of a root filesystem, or - for stdin)", ENOENT);
  }
  RootfsImportOptions options{.name = flags.name, .changes = flags.changes, .message = flags.message, .progress = {}};
  std::unique_ptr<PullProgress> progress;
  if (!flags.quiet) {
    progress = std::make_unique<PullProgress>(std::cerr, is_terminal(STDERR_FILENO));
    options.progress = progress->callback();
  }
  auto record = import_rootfs_tarball(ctx.store(), path, options);
  if (progress) {
    progress->finish();
  }
  std::cout << record.id.hex() << "\n";
  return 0;
}

}  // namespace

void add_import_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<ImportFlags>();
  auto* cmd = parent.add_subcommand("import", "make a one-layer image from a tarball of a root filesystem");
  cmd->add_option("-c,--change", flags->changes,
                  "apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, "
                  "WORKDIR")
      ->allow_extra_args(false);
  cmd->add_option("-m,--message", flags->message, "a comment for the image's history");
  cmd->add_flag("-q,--quiet", flags->quiet, "print no progress");
  cmd->add_option("path", flags->path, "the tarball (plain, gzip or zstd), or - for stdin")->required();
  cmd->add_option("reference", flags->name, "a name for the image: [REGISTRY/]NAME[:TAG]");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return import_tarball(ctx, *flags); }, true); });
}

}  // namespace skiff::cli
