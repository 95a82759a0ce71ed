// Command pulumi-language-nodejs is our Node.js (TypeScript and JavaScript) language host.
//
// Why ours: the Go module proxy refuses Pulumi's own
// (`github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3` answers 403), as for
// Python. It speaks pulumirpc.LanguageRuntime and runs programs with the runner the
// `@pulumi/pulumi` npm package ships (`@pulumi/pulumi/cmd/run`, resolved from the program's
// node_modules), so the program sees what Pulumi's host gives it: Run (programs; TypeScript
// through the package's own ts-node), InstallDependencies (npm, yarn, pnpm or bun, as the
// project's lock file says), GeneratePackage and Link (`pulumi package add`, `gen-sdk`: pkg/v3's
// nodejs codegen, linked into package.json), GenerateProgram (`pulumi import` prints
// TypeScript), GetPluginInfo.
//
// What it leaves out: RunPlugin (Node.js providers and policy packs), GenerateProject (`pulumi
// convert`), debugging, and the synchronous-invoke pipes and monitor proxy of Pulumi's host (the
// runner is given the engine's monitor directly). GetRequiredPackages answers "none": plugins load
// from the plugin cache or a project's `packages:`/`plugins:` entries; nothing is downloaded.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"datadog-crossorg/engine/internal/langhost"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/cgstrings"
	nodejs "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runnerModule is the program runner of the @pulumi/pulumi package.
const runnerModule = "@pulumi/pulumi/cmd/run"

// exitAfterUserMessage is the runner's code for "the error was already shown to the user".
const exitAfterUserMessage = 32

func main() { langhost.Main(&nodeHost{Codegen: nodeCodegen}, nil) }

// nodeHost answers GenerateProgram and GeneratePackage through its embedded Codegen.
type nodeHost struct {
	langhost.Base
	langhost.Codegen
}

var nodeCodegen = langhost.Codegen{
	Program: func(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
		return nodejs.GenerateProgram(program)
	},
	Package: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest,
		loader schema.ReferenceLoader,
	) (map[string][]byte, error) {
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, req.GetExtraFiles(),
			req.GetLocalDependencies(), req.GetLocal(), loader)
	},
}

// nodeOptions are the `runtime.options` of Pulumi.yaml this host reads.
type nodeOptions struct {
	typescript     bool
	tsconfig       string
	packageManager npm.PackageManagerType
}

func options(info *pulumirpc.ProgramInfo) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packageManager: npm.AutoPackageManager}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("runtime option typescript must be true or false")
		}
		opts.typescript = b
	}
	if v, ok := raw["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option tsconfig must be a path")
		}
		opts.tsconfig = s
	}
	if v, ok := raw["packagemanager"]; ok {
		switch v {
		case "auto", "npm", "yarn", "pnpm", "bun":
			opts.packageManager = npm.PackageManagerType(v.(string))
		default:
			return opts, fmt.Errorf("runtime option packagemanager %v is not one of auto, npm, yarn, pnpm, bun", v)
		}
	}
	return opts, nil
}

// resolveRunner finds @pulumi/pulumi's runner the way Node.js would from the program folder.
func resolveRunner(ctx context.Context, nodeBin, programDir string) (string, error) {
	script := fmt.Sprintf("console.log(require.resolve(%q))", runnerModule)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = programDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find %s from %s: install the project's dependencies "+
			"(`pulumi install` or `npm install`): %s", runnerModule, programDir, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// Run executes a program: `node <runner> --monitor ... <entry point>`, config in the env.
func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on PATH: install Node.js"}, nil
	}
	programDir := req.GetInfo().GetProgramDirectory()
	runner, err := resolveRunner(ctx, nodeBin, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{runner}
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", h.EngineAddress)
	flagIf("organization", req.GetOrganization())
	flagIf("project", req.GetProject())
	flagIf("root-directory", req.GetInfo().GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	// The SDK reads config keys as `<namespace>:config:<name>`, as Pulumi's host hands them over.
	legacy := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, err
		}
		legacy[key.Namespace()+":config:"+key.Name()] = v
	}
	env, err := langhost.ConfigEnv(legacy, req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	env = append(os.Environ(), env...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Env = env
	// Node.js may switch its stdio to non-blocking: hand it pipes, not our own descriptors.
	cmd.Stdout, cmd.Stderr = struct{ *os.File }{os.Stdout}, struct{ *os.File }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return langhost.RunExit(cmd.Run(), exitAfterUserMessage, "Node.js"), nil
}

// InstallDependencies runs the project's package manager (`npm install` unless a yarn, pnpm or
// bun lock file says otherwise): what `pulumi install` and `pulumi package add` ask for.
func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := options(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	if _, err := npm.Install(server.Context(), opts.packageManager, dir, false, stdout, stderr); err != nil {
		return fmt.Errorf("installing the Node.js dependencies in %s failed: %w", dir, err)
	}
	return closer.Close()
}

// Link adds each generated SDK to package.json as a local dependency (`file:sdks/<name>`).
func (h *nodeHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	linked, err := langhost.LinkedPackages(ctx, req, "nodejs", nodejs.Importer)
	if err != nil {
		return nil, err
	}
	dir := req.GetInfo().GetProgramDirectory()
	pm, err := npm.ResolvePackageManager(opts.packageManager, dir)
	if err != nil {
		return nil, err
	}
	var imports strings.Builder
	for _, l := range linked {
		name := "@pulumi/" + l.Pkg.Name
		if l.Pkg.Namespace != "" {
			name = "@" + l.Pkg.Namespace + "/" + l.Pkg.Name
		}
		if info, ok := l.Pkg.Language["nodejs"].(nodejs.NodePackageInfo); ok && info.PackageName != "" {
			name = info.PackageName
		}
		if err := pm.Link(ctx, dir, name, l.Path); err != nil {
			return nil, fmt.Errorf("cannot add %s to package.json: %w", name, err)
		}
		fmt.Fprintf(&imports, "  import * as %s from %q;\n", cgstrings.Camel(l.Pkg.Name), name)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your TypeScript code with:\n\n" + imports.String(),
	}, nil
}
