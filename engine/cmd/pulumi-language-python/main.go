// Command pulumi-language-python is our Python language host for the Pulumi engine.
//
// Why ours: the Go module proxy our machines reach does not serve Pulumi's own
// `github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3` (it answers 403 "This module
// version is not available" for every version and commit tried), while it serves the CLI
// (`pkg/v3`) and the SDK (`sdk/v3`). This host is written against the same gRPC contract
// (pulumirpc.LanguageRuntime) and the SDK's own Python toolchain package, and runs programs with
// the SDK's own `pulumi-language-python-exec` script (shipped in the sdk/v3 module, copied beside
// this binary by dev.py), so the engine sees what it would see from Pulumi's host for what our
// stacks use: Run (programs), RunPlugin (Python provider plugins and policy packs),
// InstallDependencies (what `pulumi plugin install` calls for a Python plugin), GetPluginInfo,
// About and GetProgramDependencies.
//
// Code generation (codegen.go): GenerateProgram (`pulumi import` prints Python), GeneratePackage
// and Link (`pulumi package add`, `pulumi package gen-sdk`), through pkg/v3's Python codegen.
// What it leaves out: GenerateProject (`pulumi convert`), debugging and typecheckers. GetRequiredPackages answers "none": plugins load when resources
// register, from PATH or the plugin cache, so nothing is downloaded (these machines cannot).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"datadog-crossorg/engine/internal/langhost"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// execScript is the SDK's program runner, installed beside this binary.
const execScript = "pulumi-language-python-exec"

// exitAfterUserMessage is the exec script's code for "the error was already shown to the user".
const exitAfterUserMessage = 32

// useExecutor names another program runner (Pulumi's host takes the same flag).
var useExecutor = flag.String("use-executor", "", "the program runner to use instead of the one beside this binary")

func main() {
	host := &pythonHost{Codegen: pythonCodegen}
	langhost.Main(host, func() error {
		host.runner = *useExecutor
		if host.runner != "" {
			return nil
		}
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot locate this executable: %w", err)
		}
		host.runner = filepath.Join(filepath.Dir(self), execScript)
		if _, err := os.Stat(host.runner); err != nil {
			return fmt.Errorf("missing program runner %s: %w", host.runner, err)
		}
		return nil
	})
}

// inOwnGroup runs a Python process (program, plugin, policy pack) in a process group of its own,
// ended with SIGTERM when its request is cancelled. The engine stops this host with SIGINT to
// the host's group (cmdutil.TerminateProcessGroup); a Python child in that group would answer with
// a KeyboardInterrupt traceback in the CLI's output, for a run the user cancelled.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
}

// endOnStop ends a started process (SIGTERM to its group) once this host is told to stop; call
// the returned function when the process is done.
func (h *pythonHost) endOnStop(cmd *exec.Cmd) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-h.Stopping:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		case <-done:
		}
	}()
	return func() { close(done) }
}

type pythonHost struct {
	langhost.Base
	langhost.Codegen // GenerateProgram, GeneratePackage

	runner string
}

// options reads the `runtime.options` of Pulumi.yaml / PulumiPlugin.yaml that matter here.
func options(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option virtualenv must be a string")
		}
		opts.Virtualenv = s
	}
	if v, ok := raw["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "uv":
			opts.Toolchain = toolchain.Uv
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		default:
			return opts, fmt.Errorf("runtime option toolchain %v is not one of pip, uv, poetry", v)
		}
	}
	// A plugin never runs on the ambient interpreter: like Pulumi's host, default to ./venv.
	if isPlugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

// resolve is the Python toolchain (virtualenv, pip/uv/poetry) a program or plugin runs with.
func resolve(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, error) {
	opts, err := options(info, isPlugin)
	if err != nil {
		return nil, err
	}
	return toolchain.ResolveToolchain(opts)
}

// resolvePolicyPack is the toolchain a policy pack runs with. A pack is usually installed as part
// of a package (`<venv>/lib/python3.X/site-packages/<pkg>/policy`), where no folder relative to it
// is a virtualenv of the user's; so, in this order:
//  1. the virtualenv PulumiPolicy.yaml names (relative to the pack), which must exist;
//  2. the virtualenv the pack is installed in (an enclosing folder holding pyvenv.cfg);
//  3. the virtualenv of the project being previewed (its Pulumi.yaml, from `pwd` up);
//  4. PULUMI_PYTHON_CMD or python3 on PATH, as Pulumi's own launcher does.
//
// Every failure is an error naming the folder and the fix, never a hang.
func resolvePolicyPack(info *pulumirpc.ProgramInfo, pwd string) (toolchain.Toolchain, error) {
	opts, err := options(info, false)
	if err != nil {
		return nil, err
	}
	pack := info.GetProgramDirectory()
	if opts.Virtualenv != "" {
		venv := opts.Virtualenv
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(opts.Root, venv)
		}
		if !toolchain.IsVirtualEnv(venv) {
			return nil, fmt.Errorf("policy pack %s: PulumiPolicy.yaml names virtualenv %q (%s), which "+
				"holds no Python virtualenv: create it, or drop the option to run the pack with the "+
				"virtualenv it is installed in", pack, opts.Virtualenv, venv)
		}
		opts.Virtualenv = venv
	} else if venv := enclosingVirtualenv(pack); venv != "" {
		opts.Virtualenv = venv
	} else if venv := projectVirtualenv(pwd); venv != "" {
		opts.Virtualenv = venv
	}
	return toolchain.ResolveToolchain(opts)
}

// enclosingVirtualenv is the virtualenv whose tree holds dir (a folder with pyvenv.cfg and a
// python), or "".
func enclosingVirtualenv(dir string) string {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "pyvenv.cfg")); err == nil && toolchain.IsVirtualEnv(d) {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// projectVirtualenv is the existing virtualenv named by the Pulumi.yaml found from pwd up, or "".
func projectVirtualenv(pwd string) string {
	if pwd == "" {
		return ""
	}
	path, err := workspace.DetectProjectPathFrom(pwd)
	if err != nil || path == "" {
		return ""
	}
	project, err := workspace.LoadProject(path)
	if err != nil {
		return ""
	}
	venv, _ := project.Runtime.Options()["virtualenv"].(string)
	if venv == "" {
		return ""
	}
	if !filepath.IsAbs(venv) {
		venv = filepath.Join(filepath.Dir(path), venv)
	}
	if !toolchain.IsVirtualEnv(venv) {
		return ""
	}
	return venv
}

// Run executes a program: `<python> -u <runner> --monitor ... <entry point>`, config in the env.
func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	args := []string{"-u", h.runner}
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", h.EngineAddress)
	flagIf("project", req.GetProject())
	flagIf("root_directory", req.GetInfo().GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", req.GetPwd())
	flagIf("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	flagIf("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	stackConfig := req.GetConfig()
	if stackConfig == nil { // a stack with no config: the SDK wants an object, not null
		stackConfig = map[string]string{}
	}
	config, err := json.Marshal(stackConfig)
	if err != nil {
		return nil, fmt.Errorf("cannot serialize the stack config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("cannot serialize the secret config keys: %w", err)
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	inOwnGroup(cmd)

	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
	defer h.endOnStop(cmd)()
	if err := cmd.Wait(); err != nil {
		var exited *exec.ExitError
		if !errors.As(err, &exited) {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
		}
		if exited.ExitCode() == exitAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("program exited with non-zero exit code: %d", exited.ExitCode()),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Python plugin folder (`python <folder> <args>`) or a policy pack
// (runPolicyPack).
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.GetKind() == string(apitype.AnalyzerPlugin) {
		return h.runPolicyPack(req, server)
	}
	tc, err := resolve(req.GetInfo(), true)
	if err != nil {
		return err
	}
	args := append([]string{req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)
	cmd, err := tc.Command(server.Context(), args...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd.Dir = req.GetPwd()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	inOwnGroup(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the Python plugin: %w", err)
	}
	defer h.endOnStop(cmd)()
	if err := cmd.Wait(); err != nil {
		var exited *exec.ExitError
		if errors.As(err, &exited) {
			if status, ok := exited.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(status.ExitStatus())},
				})
			}
		}
		return fmt.Errorf("the Python plugin failed: %w", err)
	}
	return closer.Close()
}

// runPolicyPack serves a policy pack: `python -u -m pulumi.policy <args> <folder>` behind the
// SDK's policy proxy, which answers the engine's handshake and hands the pack the stack's config.
// The interpreter is chosen before the proxy answers, so a pack that cannot start is an error of
// this call, which the engine prints; a pack that starts and then fails fails the proxy's Attach.
// (The engine waits on the proxy for the pack: our earlier host returned a start failure after
// the proxy had answered and the engine waited forever at "Loading policy packs...: starting".)
func (h *pythonHost) runPolicyPack(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	tc, err := resolvePolicyPack(req.GetInfo(), req.GetPwd())
	if err != nil {
		return err
	}
	args := append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
	args = append(args, req.GetInfo().GetProgramDirectory())
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath(cmd.Path); err != nil {
		return fmt.Errorf("policy pack %s: no Python interpreter %s: %w",
			req.GetInfo().GetProgramDirectory(), cmd.Path, err)
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("cannot start the policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		proxy.Abort(err)
		return fmt.Errorf("cannot read the stack configuration: %w", err)
	}
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	if cmd.Env == nil { // no virtualenv: the toolchain leaves the environment to us
		cmd.Env = os.Environ()
	}
	if stack != nil {
		cmd.Env = append(cmd.Env, policyEnv(stack)...)
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	inOwnGroup(cmd)
	if err := cmd.Start(); err != nil {
		err = fmt.Errorf("could not start the policy pack's Python (%s): %w", cmd.Path, err)
		proxy.Abort(err)
		return err
	}
	defer h.endOnStop(cmd)()
	return proxy.Attach(ctx, cmd)
}

// policyEnv is what a Python policy pack reads its stack from.
func policyEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) []string {
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_ORGANIZATION", stack.GetOrganization())
	add("PULUMI_PROJECT", stack.GetProject())
	add("PULUMI_STACK", stack.GetStack())
	add("PULUMI_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if stack.GetConfig() != nil {
		if raw, err := json.Marshal(stack.GetConfig()); err == nil {
			add("PULUMI_CONFIG", string(raw))
		}
	}
	return env
}

// InstallDependencies makes the virtualenv and installs requirements.txt / pyproject.toml into
// it: what `pulumi install` and `pulumi plugin install --file` (for a Python plugin) ask for.
func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolve(req.GetInfo(), req.GetIsPlugin())
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
	if err := tc.InstallDependencies(server.Context(), dir, req.GetUseLanguageVersionTools(),
		true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	found, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(found))
	for _, d := range found {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
