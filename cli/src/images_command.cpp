// images, tag, rmi.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <set>

#include "command_context.h"
#include "image_details.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/app.h"
#include "skiff/cli/format.h"
#include "skiff/cli/go_template.h"
#include "skiff/image/reference.h"

namespace skiff::cli {

namespace {

struct ImagesFlags {
  bool quiet = false;
  bool all = false;
  bool no_trunc = false;
  std::string format = "table";
};

boost::json::array string_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& value : values) {
    out.emplace_back(value);
  }
  return out;
}

// podman images --format json's fields for one image.
boost::json::object json_entry(const ImageDetails& details) {
  const auto& record = details.record;
  boost::json::object labels;
  if (const auto* config = details.config.if_contains("config"); config != nullptr && config->is_object()) {
    if (const auto* found = config->as_object().if_contains("Labels"); found != nullptr && found->is_object()) {
      labels = found->as_object();
    }
  }
  boost::json::object entry;
  entry["Id"] = record.id.hex();
  entry["ParentId"] = "";
  entry["RepoTags"] = string_array(record.names);
  entry["RepoDigests"] = string_array(record.digests);
  entry["Size"] = record.size;
  entry["SharedSize"] = 0;
  entry["VirtualSize"] = record.size;
  entry["Labels"] = labels;
  entry["Containers"] = 0;
  entry["Names"] = string_array(record.names);
  entry["Digest"] = record.manifest.str();
  entry["Created"] = details.created_seconds.value_or(0);
  entry["CreatedAt"] = details.created;
  return entry;
}

int list_images(Context& ctx, const ImagesFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  std::vector<ImageDetails> images;
  for (const auto& record : ctx.store().images()) {
    images.push_back(image_details(ctx.store(), record));
  }
  // Newest first, as podman lists them.
  std::stable_sort(images.begin(), images.end(), [](const ImageDetails& a, const ImageDetails& b) {
    return a.created_seconds.value_or(0) > b.created_seconds.value_or(0);
  });
  if (flags.format == "json") {
    boost::json::array out;
    for (const auto& details : images) {
      out.push_back(json_entry(details));
    }
    std::cout << json::pretty(out);
    return 0;
  }
  if (flags.quiet) {
    std::set<std::string> printed;
    for (const auto& details : images) {
      std::string id = flags.no_trunc ? details.record.id.str() : details.record.short_id();
      if (printed.insert(id).second) {
        std::cout << id << "\n";
      }
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
  std::vector<boost::json::value> documents;  // a template's fields, as podman's images templates name them
  auto now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& details : images) {
    std::string id = flags.no_trunc ? details.record.id.str() : details.record.short_id();
    std::string created =
        details.created_seconds ? human_duration(now - *details.created_seconds) + " ago" : details.created;
    std::string size = human_size(details.record.size);
    std::vector<std::pair<std::string, std::string>> names;
    if (details.record.names.empty()) {
      names.emplace_back("<none>", "<none>");
    }
    for (const auto& name : details.record.names) {
      names.push_back(split_tagged_name(name));
    }
    for (const auto& [repository, tag] : names) {
      rows.push_back({repository, tag, id, created, size});
      documents.emplace_back(boost::json::object{{"ID", id},
                                                 {"Repository", repository},
                                                 {"Tag", tag},
                                                 {"CreatedAt", details.created},
                                                 {"CreatedSince", created},
                                                 {"Size", size}});
    }
  }
  std::cout << (format_template ? format_template->render_all(documents, {{"ID", "IMAGE ID"}}) : format_table(rows));
  return 0;
}

int tag_image(Context& ctx, const std::string& source, const std::vector<std::string>& targets) {
  auto record = find_image(ctx.store(), source);
  for (const auto& target : targets) {
    auto ref = image::Reference::parse(target);
    if (ref.digest) {
      throw Error("tag " + target + ": a tag cannot name a digest");
    }
    ctx.store().tag_image(record.id.str(), ref.str());
  }
  return 0;
}

struct RmiFlags {
  std::vector<std::string> images;
  bool force = false;
  bool all = false;
};

int remove_images(Context& ctx, const RmiFlags& flags) {
  auto& store = ctx.store();
  std::vector<std::string> targets = flags.images;
  if (flags.all) {
    for (const auto& record : store.images()) {
      targets.push_back(record.id.str());
    }
  } else if (targets.empty()) {
    throw Error("rmi: name at least one image, or --all");
  }
  int code = 0;
  for (const auto& target : targets) {
    try {
      if (!store.find_image(target)) {
        throw Error(target + ": image not known");
      }
      auto result = store.remove_image(target, flags.force);
      for (const auto& name : result.untagged) {
        std::cout << "Untagged: " << name << "\n";
      }
      if (result.removed) {
        std::cout << "Deleted: " << result.removed->hex() << "\n";
      }
    } catch (const Error& e) {
      std::cerr << "Error: " << e.what() << "\n";
      code = kErrorExitCode;
    }
  }
  // The layers and blobs no image uses any more.
  store.gc();
  return code;
}

}  // namespace

void add_images_command(CLI::App& parent, Context& ctx, const std::string& name) {
  auto flags = std::make_shared<ImagesFlags>();
  auto* cmd = parent.add_subcommand(name, "list the images in the store");
  if (name == "ls") {
    cmd->alias("list");
  }
  cmd->add_flag("-q,--quiet", flags->quiet, "print only the image ids");
  cmd->add_flag("-a,--all", flags->all, "show every image (skiff keeps no intermediate images, so all are shown)");
  cmd->add_flag("--no-trunc", flags->no_trunc, "print whole image ids");
  cmd->add_option("--format", flags->format, "table, json or a Go template ('{{.Repository}}:{{.Tag}}')");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return list_images(ctx, *flags); }, true); });
}

void add_tag_command(CLI::App& parent, Context& ctx) {
  auto source = std::make_shared<std::string>();
  auto targets = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("tag", "give an image more names");
  cmd->add_option("image", *source, "the image: a name or an id")->required();
  cmd->add_option("target", *targets, "the new names: [REGISTRY/]NAME[:TAG]")->required();
  cmd->callback([&ctx, source, targets] {
    ctx.set_action([&ctx, source, targets] { return tag_image(ctx, *source, *targets); }, true);
  });
}

void add_rmi_command(CLI::App& parent, Context& ctx, const std::string& name) {
  auto flags = std::make_shared<RmiFlags>();
  auto* cmd = parent.add_subcommand(name, "remove images from the store and free their space");
  cmd->add_flag("-f,--force", flags->force, "remove images that containers use (their layers stay until then)");
  cmd->add_flag("-a,--all", flags->all, "remove every image");
  cmd->add_option("image", flags->images, "images: names or ids");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return remove_images(ctx, *flags); }, true); });
}

}  // namespace skiff::cli
