// Verivali's Android build: `app` (framework-only Android glue) over `verivali-kotlin` (the
// uniffi bindings, the presentation layer and the Rust libraries). See README.md here; this
// build needs the Android SDK and NDK, which the project's CI machines do not have.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "verivali"
include(":verivali-kotlin", ":app")
