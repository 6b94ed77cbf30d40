// load and save: images in docker-archive and OCI layout form.
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include "archive_format.h"
#include "command_context.h"
#include "image_details.h"
#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"
#include "skiff/cli/pull_progress.h"
#include "skiff/image/docker_archive.h"
#include "skiff/image/oci_layout.h"
#include "skiff/image/reference.h"
#include "temp_file.h"

namespace skiff::cli {

namespace {

struct LoadFlags {
  std::string input;
  bool quiet = false;
};

int load(Context& ctx, const LoadFlags& flags) {
  std::optional<TempFile> copy;
  std::string path = flags.input;
  if (path.empty() || path == "-") {
    if (is_terminal(STDIN_FILENO)) {
      throw Error("load: no archive: give one with -i FILE or on stdin");
    }
    copy.emplace();
    copy_fd(STDIN_FILENO, copy->fd(), "load: copy the archive from stdin to " + copy->path());
    path = copy->path();
  }
  std::unique_ptr<PullProgress> progress;
  image::ImportOptions options;
  if (!flags.quiet) {
    progress = std::make_unique<PullProgress>(std::cerr, is_terminal(STDERR_FILENO));
    options.progress = progress->callback();
  }
  auto record = detect_archive_format(path) == ArchiveFormat::docker_archive
                    ? image::import_docker_archive(ctx.store(), path, options)
                    : image::import_oci_archive(ctx.store(), path, options);
  if (progress) {
    progress->finish();
  }
  if (record.names.empty()) {
    std::cout << "Loaded image: " << record.id.str() << "\n";
  }
  for (const auto& name : record.names) {
    std::cout << "Loaded image: " << name << "\n";
  }
  return 0;
}

struct SaveFlags {
  std::string image;
  std::string output;
  std::string format = "docker-archive";
  bool quiet = false;
};

// The name the user gave, normalised, when it is one of the image's names (not an id).
std::optional<std::string> given_name(const image::ImageRecord& record, const std::string& text) {
  try {
    auto name = image::Reference::parse(text).str();
    if (std::find(record.names.begin(), record.names.end(), name) != record.names.end()) {
      return name;
    }
  } catch (const Error&) {
    // an id or id prefix
  }
  return std::nullopt;
}

void write_archive(const image::Store& store, const SaveFlags& flags, const image::ImageRecord& record,
                   const std::string& path) {
  auto name = given_name(record, flags.image);
  std::string image = record.id.str();
  if (flags.format == "docker-archive") {
    image::export_docker_archive(store, image, path,
                                 name ? std::vector<std::string>{*name} : std::vector<std::string>{});
  } else if (flags.format == "oci-archive") {
    image::export_oci_archive(store, image, path, name.value_or(""));
  } else {
    image::export_oci_layout(store, image, path, name.value_or(""));
  }
}

int save(Context& ctx, const SaveFlags& flags) {
  if (flags.format != "docker-archive" && flags.format != "oci-archive" && flags.format != "oci-dir") {
    throw Error("--format: unknown format \"" + flags.format + "\" (want docker-archive, oci-archive or oci-dir)");
  }
  auto record = find_image(ctx.store(), flags.image);
  if (!flags.output.empty()) {
    write_archive(ctx.store(), flags, record, flags.output);
    return 0;
  }
  if (flags.format == "oci-dir") {
    throw Error("save --format oci-dir: name the directory with -o DIR");
  }
  if (is_terminal(STDOUT_FILENO)) {
    throw Error("refusing to save to a terminal: use -o FILE or redirect stdout");
  }
  // The exports write beside their destination and rename; stdout gets the finished file.
  TempFile temp;
  write_archive(ctx.store(), flags, record, temp.path());
  UniqueFd in(check(::open(temp.path().c_str(), O_RDONLY | O_CLOEXEC), "open " + temp.path()));
  copy_fd(in.get(), STDOUT_FILENO, "save: write the archive to stdout");
  return 0;
}

}  // namespace

void add_load_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<LoadFlags>();
  auto* cmd = parent.add_subcommand("load", "load an image from a docker-archive or oci-archive tar");
  cmd->add_option("-i,--input", flags->input, "the archive (default: stdin)");
  cmd->add_flag("-q,--quiet", flags->quiet, "print no progress");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return load(ctx, *flags); }, true); });
}

void add_save_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<SaveFlags>();
  auto* cmd = parent.add_subcommand("save", "write an image to an archive");
  cmd->add_option("-o,--output", flags->output, "the archive, or the directory for oci-dir (default: stdout)");
  cmd->add_option("--format", flags->format, "docker-archive (default), oci-archive or oci-dir");
  cmd->add_flag("-q,--quiet", flags->quiet, "print no progress");
  cmd->add_option("image", flags->image, "the image: a name or an id")->required();
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return save(ctx, *flags); }, true); });
}

}  // namespace skiff::cli
