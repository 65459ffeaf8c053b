// Headless Chromium runs (see browser.h). Every run gets a fresh profile directory and the
// flags that keep Chromium off the network, so it works offline and as root.
#include "report/browser.h"

#include <filesystem>

#include "base/file_util.h"
#include "base/subprocess.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr double kBrowserTimeoutSeconds = 90;

Result<std::string> RunChromium(const std::string& chromium, std::vector<std::string> extra,
                                const std::string& html_path, bool capture_stdout) {
  std::error_code error;
  fs::path page = fs::absolute(html_path, error);
  if (error || !fs::exists(page)) return MakeError("{}: no such page", html_path);
  std::string profile = (fs::temp_directory_path() / "sysfence-chromium-XXXXXX").string();
  if (mkdtemp(profile.data()) == nullptr) return MakeError("cannot make a browser profile");
  std::string out = profile + ".out";
  SubprocessOptions run;
  run.argv = {chromium,
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-quic",
              "--no-first-run",
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
              "--hide-scrollbars",
              "--user-data-dir=" + profile};
  run.argv.insert(run.argv.end(), extra.begin(), extra.end());
  run.argv.push_back("file://" + page.string());
  run.stdout_path = capture_stdout ? out : "/dev/null";
  Result<int> status = [&]() -> Result<int> {
    Result<Subprocess> child = Subprocess::Start(run);
    if (!child.ok()) return child.error();
    return child->Wait(kBrowserTimeoutSeconds);
  }();
  std::string text = capture_stdout ? ReadFile(out).value_or("") : "";
  fs::remove_all(profile, error);
  fs::remove(out, error);
  if (!status.ok()) return status.error().WithContext("chromium");
  if (*status != 0) return MakeError("chromium exited with status {} on {}", *status, html_path);
  return text;
}

}  // namespace

Result<std::string> FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (Result<std::string> path = FindExecutable(name); path.ok()) return path;
  }
  return MakeError("no headless browser found (apt-get install chromium)");
}

Status CaptureScreenshot(const std::string& chromium, const std::string& html_path,
                         const std::string& png_path, int height) {
  std::error_code error;
  fs::path target = fs::absolute(png_path, error);
  std::string temp = target.string() + ".tmp.png";
  Result<std::string> ran =
      RunChromium(chromium, {"--screenshot=" + temp, fmt::format("--window-size=1280,{}", height)},
                  html_path, false);
  if (!ran.ok()) {
    fs::remove(temp, error);
    return ran.error();
  }
  if (!fs::exists(temp) || fs::file_size(temp, error) == 0) {
    return MakeError("chromium wrote no screenshot of {}", html_path);
  }
  fs::rename(temp, target, error);
  if (error) return MakeError("{}: {}", png_path, error.message());
  return Ok{};
}

Result<std::string> DumpRenderedDom(const std::string& chromium, const std::string& html_path) {
  return RunChromium(chromium, {"--dump-dom"}, html_path, true);
}

}  // namespace sysfence
