// Command pulumi-language-go is our Go language host.
//
// Why ours: the Go module proxy refuses Pulumi's own (`github.com/pulumi/pulumi/sdk/go/
// pulumi-language-go/v3` answers 403), as for Python and Node.js. It speaks
// pulumirpc.LanguageRuntime as Pulumi's host does for what a Go program needs: Run (`go build`
// of the program folder against the modules its go.mod requires, `github.com/pulumi/pulumi/sdk/v3`
// from the module proxy, then the binary with the run's settings in PULUMI_* variables, or the
// prebuilt `runtime.options.binary`), InstallDependencies (`go mod tidy`), GeneratePackage and
// Link (`pulumi package add`, `gen-sdk`: pkg/v3's go codegen, linked with a `replace` in go.mod),
// GenerateProgram (`pulumi import` prints Go), GetPluginInfo.
//
// What it leaves out: RunPlugin (Go providers), GenerateProject (`pulumi convert`), debugging,
// `PULUMI_GO_USE_RUN`. GetRequiredPackages answers "none": plugins load from the plugin cache or
// a project's `packages:`/`plugins:` entries; nothing is downloaded.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"datadog-crossorg/engine/internal/langhost"

	"github.com/hashicorp/hcl/v2"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/modfile"
)

func main() { langhost.Main(&goHost{Codegen: goCodegen}, nil) }

// goHost answers GenerateProgram and GeneratePackage through its embedded Codegen.
type goHost struct {
	langhost.Base
	langhost.Codegen
}

var goCodegen = langhost.Codegen{
	Program: func(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
		return gogen.GenerateProgram(program)
	},
	Package: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest,
		_ schema.ReferenceLoader,
	) (map[string][]byte, error) {
		if len(req.GetExtraFiles()) > 0 {
			return nil, errors.New("overlays are not supported for Go")
		}
		return gogen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
	},
}

// build compiles the program folder into a temporary binary (what Pulumi's host does by default).
func build(ctx context.Context, programDir string) (string, error) {
	if matches, _ := filepath.Glob(filepath.Join(programDir, "*.go")); len(matches) == 0 {
		return "", fmt.Errorf("no Go files in %s to build", programDir)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("could not find go on PATH: install Go")
	}
	out, err := os.CreateTemp("", "pulumi-go.*")
	if err != nil {
		return "", err
	}
	out.Close()
	// As Pulumi's host builds (and as engine/build.py builds the CLI: -trimpath, so the SDK's
	// packages compiled for the engine are reused from the Go build cache).
	cmd := exec.CommandContext(ctx, gobin, "build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s",
		"-o", out.Name(), ".")
	cmd.Dir = programDir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("`go build` of the program in %s failed: %w", programDir, err)
	}
	return out.Name(), nil
}

// Run builds the program and runs its binary with the run's settings in PULUMI_* variables.
func (h *goHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	binary := ""
	if v, ok := req.GetInfo().GetOptions().AsMap()["binary"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("runtime option binary must be a path")
		}
		if !filepath.IsAbs(s) {
			s = filepath.Join(req.GetInfo().GetRootDirectory(), s)
		}
		binary = s
	}
	if binary == "" {
		built, err := build(ctx, req.GetInfo().GetProgramDirectory())
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		defer os.Remove(built)
		binary = built
	}

	env, err := langhost.ConfigEnv(req.GetConfig(), req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	env = append(os.Environ(), env...)
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_ORGANIZATION", req.GetOrganization())
	add("PULUMI_PROJECT", req.GetProject())
	add("PULUMI_ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	add("PULUMI_STACK", req.GetStack())
	add("PULUMI_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	add("PULUMI_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	add("PULUMI_MONITOR", req.GetMonitorAddress())
	add("PULUMI_ENGINE", h.EngineAddress)

	cmd := exec.CommandContext(ctx, binary, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return langhost.RunExit(cmd.Run(), constant.ExitStatusLoggedError, "Go"), nil
}

// InstallDependencies runs `go mod tidy` in the program folder (what `pulumi install` and
// `pulumi package add` ask for).
func (h *goHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	cmd := exec.CommandContext(server.Context(), "go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`go mod tidy` in %s failed: %w", dir, err)
	}
	return closer.Close()
}

// Link points the program's go.mod at each generated SDK with a `replace` line.
func (h *goHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	linked, err := langhost.LinkedPackages(ctx, req, "go", gogen.Importer)
	if err != nil {
		return nil, err
	}
	gomodPath := filepath.Join(req.GetInfo().GetProgramDirectory(), "go.mod")
	data, err := os.ReadFile(gomodPath)
	if err != nil {
		return nil, fmt.Errorf("a Go program needs a go.mod: %w", err)
	}
	gomod, err := modfile.Parse(gomodPath, data, nil)
	if err != nil {
		return nil, err
	}
	var imports strings.Builder
	for _, l := range linked {
		modulePath := ""
		if info, ok := l.Pkg.Language["go"].(gogen.GoPackageInfo); ok {
			modulePath = info.ModulePath
			if modulePath == "" && info.ImportBasePath != "" {
				modulePath = path.Dir(info.ImportBasePath)
			}
		}
		if modulePath == "" {
			modulePath = gogen.ExtractModulePath(l.Pkg.Reference())
		}
		local := l.Path
		if !strings.HasPrefix(local, "./") && !strings.HasPrefix(local, "../") && !filepath.IsAbs(local) {
			local = "./" + local
		}
		if err := gomod.AddReplace(modulePath, "", local, ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(&imports, "    %q\n", gogen.ExtractImportBasePath(l.Pkg.Reference()))
	}
	formatted, err := gomod.Format()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(gomodPath, formatted, 0o644); err != nil {
		return nil, err
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Go code with:\n\n  import (\n" + imports.String() + "  )\n",
	}, nil
}
