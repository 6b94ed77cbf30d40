#!/usr/bin/env bash
# Runs inside the guest's root tree (chroot) while image.sh builds it.
set -euo pipefail

echo skiff-vm >/etc/hostname
echo '/dev/vda / ext4 defaults 0 1' >/etc/fstab
passwd -d root

# Two unprivileged users whose systemd user managers start at boot (lingering): skiff-rootless
# gets the delegation rootless containers want (Delegate=cpu cpuset io memory pids, as podman's
# documentation advises), skiff-limited keeps the distribution's default.
for user in skiff-rootless:1000:100000 skiff-limited:1001:200000; do
  IFS=: read -r name uid subid <<<"$user"
  useradd --create-home --uid "$uid" --shell /bin/bash "$name"
  echo "$name:$subid:65536" >>/etc/subuid
  echo "$name:$subid:65536" >>/etc/subgid
  mkdir -p /var/lib/systemd/linger
  touch "/var/lib/systemd/linger/$name"
done
mkdir -p /etc/systemd/system/user@1000.service.d
printf '[Service]\nDelegate=cpu cpuset io memory pids\n' >/etc/systemd/system/user@1000.service.d/delegate.conf

chmod 0755 /usr/local/sbin/skiff-vm-guest
mkdir -p /etc/systemd/system/multi-user.target.wants /mnt/payload
ln -s /etc/systemd/system/skiff-vm-tests.service /etc/systemd/system/multi-user.target.wants/

# Nothing the tests need waits on these; they only slow an emulated boot.
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  systemd-timesyncd.service 2>/dev/null || true
