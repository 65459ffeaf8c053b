// Headless Chromium, for what only a real browser can tell: that a report page renders.
//
//   Result<std::string> chromium = FindChromium();
//   Status shot = CaptureScreenshot(*chromium, "report/index.html", "report/screenshot.png");
//   Result<std::string> dom = DumpRenderedDom(*chromium, "page.html");  // after scripts ran
#ifndef SYSFENCE_REPORT_BROWSER_H_
#define SYSFENCE_REPORT_BROWSER_H_

#include <string>

#include "base/result.h"

namespace sysfence {

// chromium, chromium-browser or google-chrome from PATH; an error says how to install it.
Result<std::string> FindChromium();

// Renders `html_path` at 1280 pixels wide and saves a PNG of the whole page.
Status CaptureScreenshot(const std::string& chromium, const std::string& html_path,
                         const std::string& png_path, int height = 4000);

// The page's DOM after it loaded and its scripts ran.
Result<std::string> DumpRenderedDom(const std::string& chromium, const std::string& html_path);

}  // namespace sysfence

#endif  // SYSFENCE_REPORT_BROWSER_H_
