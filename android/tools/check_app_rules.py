#!/usr/bin/env python3
"""What the stub compile check cannot see in the app module, checked by parsing:

1. AndroidManifest.xml: the permissions the shell needs (and no CAMERA, which would break the
   camera intent), the JobService behind BIND_JOB_SERVICE, the photo provider private with URI
   grants, an explicit `exported` on every component, and exported only where a filter needs it;
   the bundle screen takes bundles shared (SEND) and opened (VIEW) by other apps.
2. API levels: every call in app/ to an API newer than minSdk 24 (the table below, from the
   Android reference) must sit under `if (Build.VERSION.SDK_INT >= N)` with N at least its
   level. The stubs carry no API levels, so this table is the check's knowledge; it lists every
   such call it finds.

Usage: check_app_rules.py APP_DIR   (exit 1 with the problems listed)
"""

import os
import re
import sys
import xml.etree.ElementTree as ET

ANDROID = "{http://schemas.android.com/apk/res/android}"
MIN_SDK = 24

# Calls above minSdk that the app may make, with their API level.
ABOVE_MIN_SDK = {
    "NotificationChannel": 26,
    "createNotificationChannel": 26,
    "Notification.Builder(context, CHANNEL)": 26,
    "POST_NOTIFICATIONS": 33,
    "FLAG_IMMUTABLE": 23,  # below minSdk: listed so the guard is seen as harmless
    "setRequiredNetworkType(JobInfo.NETWORK_TYPE_CELLULAR)": 28,
    "getColor(": 23,
    "ACTION_MY_PACKAGE_REPLACED": 12,
    "getParcelableExtra(Intent.EXTRA_STREAM, Uri::class.java)": 33,
}

REQUIRED_PERMISSIONS = {
    "android.permission.INTERNET",
    "android.permission.ACCESS_NETWORK_STATE",
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.RECEIVE_BOOT_COMPLETED",
    "android.permission.POST_NOTIFICATIONS",
}


def check_manifest(path):
    problems = []
    root = ET.parse(path).getroot()
    permissions = {p.get(ANDROID + "name") for p in root.iter("uses-permission")}
    for missing in sorted(REQUIRED_PERMISSIONS - permissions):
        problems.append(f"manifest: missing permission {missing}")
    if "android.permission.CAMERA" in permissions:
        problems.append("manifest: CAMERA declared; ACTION_IMAGE_CAPTURE then needs it granted")
    app = root.find("application")
    if app is None:
        return problems + ["manifest: no <application>"]
    if app.get(ANDROID + "allowBackup") != "false":
        problems.append("manifest: allowBackup must be false (the store is device-bound)")
    for kind in ("activity", "service", "receiver", "provider"):
        for component in app.iter(kind):
            name = component.get(ANDROID + "name")
            exported = component.get(ANDROID + "exported")
            if exported is None:
                problems.append(f"manifest: {kind} {name} has no explicit android:exported")
            has_filter = component.find("intent-filter") is not None
            if exported == "true" and not has_filter:
                problems.append(f"manifest: {kind} {name} is exported without a reason (no intent filter)")
    services = {s.get(ANDROID + "name"): s for s in app.iter("service")}
    job = services.get("id.verivali.app.UploadJobService")
    if job is None or job.get(ANDROID + "permission") != "android.permission.BIND_JOB_SERVICE":
        problems.append("manifest: UploadJobService must be declared with BIND_JOB_SERVICE")
    providers = {p.get(ANDROID + "name"): p for p in app.iter("provider")}
    photos = providers.get("id.verivali.app.PhotoProvider")
    if photos is None:
        problems.append("manifest: PhotoProvider is not declared")
    else:
        if photos.get(ANDROID + "exported") != "false" or photos.get(ANDROID + "grantUriPermissions") != "true":
            problems.append("manifest: PhotoProvider must be private with grantUriPermissions")
        if photos.get(ANDROID + "authorities") != "id.verivali.app.photos":
            problems.append("manifest: PhotoProvider authority differs from PhotoProvider.AUTHORITY")
    receivers = {r.get(ANDROID + "name"): r for r in app.iter("receiver")}
    boot = receivers.get("id.verivali.app.BootReceiver")
    actions = {a.get(ANDROID + "name") for a in boot.iter("action")} if boot is not None else set()
    if "android.intent.action.BOOT_COMPLETED" not in actions:
        problems.append("manifest: BootReceiver does not listen for BOOT_COMPLETED")
    activities = {a.get(ANDROID + "name"): a for a in app.iter("activity")}
    bundles = activities.get("id.verivali.app.BundleActivity")
    actions = {a.get(ANDROID + "name") for a in bundles.iter("action")} if bundles is not None else set()
    for action in ("android.intent.action.SEND", "android.intent.action.VIEW"):
        if action not in actions:
            problems.append(f"manifest: BundleActivity does not take {action} (bundles from the share sheet or a file)")
    declared = {c.get(ANDROID + "name") for kind in ("activity", "service", "receiver", "provider") for c in app.iter(kind)}
    return problems, declared


GUARD = re.compile(r"SDK_INT\s*>=\s*(\d+)")


def check_api_levels(source_dir):
    problems, listed = [], []
    for dirpath, _, files in os.walk(source_dir):
        for f in sorted(files):
            if not f.endswith(".kt"):
                continue
            path = os.path.join(dirpath, f)
            lines = open(path, encoding="utf-8").read().split("\n")
            for number, line in enumerate(lines, 1):
                if line.lstrip().startswith(("import ", "//", "*", "/*")):
                    continue
                for call, level in ABOVE_MIN_SDK.items():
                    if call not in line or level <= MIN_SDK:
                        continue
                    # The nearest enclosing guard above, within the same block (up to 12 lines).
                    guard = None
                    for back in range(number - 1, max(0, number - 13), -1):
                        found = GUARD.search(lines[back - 1]) if back != number else GUARD.search(line)
                        if found:
                            guard = int(found.group(1))
                            break
                    guard = guard or (int(GUARD.search(line).group(1)) if GUARD.search(line) else None)
                    where = f"{os.path.relpath(path, source_dir)}:{number}"
                    listed.append(f"  API {level}: {call} at {where} (guard: {guard or 'none'})")
                    if guard is None or guard < level:
                        problems.append(f"api-level: {call} (API {level}) at {where} is not under SDK_INT >= {level}")
    return problems, listed


def main():
    app = sys.argv[1]
    manifest_problems, declared = check_manifest(os.path.join(app, "src/main/AndroidManifest.xml"))
    sources = os.path.join(app, "src/main/kotlin")
    classes = set()
    for dirpath, _, files in os.walk(sources):
        for f in files:
            text = open(os.path.join(dirpath, f), encoding="utf-8").read()
            for kind in ("Activity()", "JobService()", "BroadcastReceiver()", "ContentProvider()", "Application()"):
                for match in re.finditer(r"class (\w+)\s*(?:\([^)]*\))?\s*:\s*" + re.escape(kind), text):
                    classes.add("id.verivali.app." + match.group(1))
    for component in sorted(classes - declared - {"id.verivali.app.VerivaliApp"}):
        manifest_problems.append(f"manifest: {component} is not declared")
    api_problems, listed = check_api_levels(sources)
    print(f"android-app: calls above minSdk {MIN_SDK}:")
    print("\n".join(listed) or "  none")
    problems = manifest_problems + api_problems
    for p in problems:
        print(p, file=sys.stderr)
    print(f"android-app: manifest and API levels: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
