// Pins down the configuration readers behind NSS and PAM module loading: nsswitch.conf
// services without their [actions], the lookup functions of each database, and the modules
// of a PAM service through @include, include and substack.
#include "analysis/dynamic_loading.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

std::vector<std::string_view> Databases(std::string_view function) {
  std::span<const std::string_view> found = NssDatabasesOf(function);
  return {found.begin(), found.end()};
}

TEST(Nsswitch, ServicesWithoutActions) {
  auto conf = ParseNsswitch(
      "# comment\n"
      "passwd:         files systemd\n"
      "hosts:          files [NOTFOUND=return] dns\n"
      "netgroup: nis [ !UNAVAIL=return ] files # trailing\n"
      "garbage line\n");
  EXPECT_EQ(conf["passwd"], (std::vector<std::string>{"files", "systemd"}));
  EXPECT_EQ(conf["hosts"], (std::vector<std::string>{"files", "dns"}));
  EXPECT_EQ(conf["netgroup"], (std::vector<std::string>{"nis", "files"}));
  EXPECT_EQ(conf.size(), 3u);
}

TEST(Nsswitch, LookupFunctionsNameTheirDatabases) {
  EXPECT_EQ(Databases("getpwnam_r"), (std::vector<std::string_view>{"passwd"}));
  EXPECT_EQ(Databases("getaddrinfo"), (std::vector<std::string_view>{"hosts", "services"}));
  EXPECT_EQ(Databases("initgroups"), (std::vector<std::string_view>{"group"}));
  EXPECT_EQ(Databases("getgrgid_r"), (std::vector<std::string_view>{"group"}));
  EXPECT_EQ(Databases("getgrouplist"), (std::vector<std::string_view>{"group"}));
  EXPECT_TRUE(NssDatabasesOf("printf").empty());
  // A system call wrapper whose name merely starts like the group lookups.
  EXPECT_TRUE(NssDatabasesOf("getgroups").empty());
  EXPECT_TRUE(IsBuiltinNssService("files"));
  EXPECT_FALSE(IsBuiltinNssService("systemd"));
  EXPECT_EQ(NssModuleName("systemd"), "libnss_systemd.so.2");
}

class PamConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "pam_root_" + std::to_string(getpid());
    std::filesystem::create_directories(root_ + "/etc/pam.d");
    Write("common-auth",
          "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n");
    Write("common-session", "-session optional pam_systemd.so\nsession required /opt/pam_abs.so\n");
    Write("extra", "account required pam_extra.so\n");
    Write("myservice",
          "@include common-auth\n"
          "account include extra\n"
          "session substack common-session\n"
          "session optional pam_unix.so  # again\n");
    Write("other", "auth required pam_deny.so\n");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/etc/pam.d/" + name) << text;
  }
  std::string root_;
};

TEST_F(PamConfig, FollowsIncludesAndListsEachModuleOnce) {
  std::vector<std::string> paths;
  for (const PamModule& m : PamServiceModules(root_, "myservice")) paths.push_back(m.path);
  std::string security = root_ + "/lib/x86_64-linux-gnu/security/";
  EXPECT_EQ(paths, (std::vector<std::string>{security + "pam_unix.so", security + "pam_deny.so",
                                             security + "pam_extra.so", security + "pam_systemd.so",
                                             root_ + "/opt/pam_abs.so"}));
}

TEST_F(PamConfig, UnknownServiceFallsBackToOther) {
  auto modules = PamServiceModules(root_, "nonexistent");
  ASSERT_EQ(modules.size(), 1u);
  EXPECT_EQ(modules[0].config_file, root_ + "/etc/pam.d/other");
  EXPECT_EQ(PamServices(root_).size(), 5u);
}

}  // namespace
}  // namespace sysfence
