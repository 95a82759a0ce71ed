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
	host := &pythonHost{}
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

type pythonHost struct {
	langhost.Base

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
	config, err := json.Marshal(req.GetConfig())
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
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Run(); err != nil {
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
// (`python -u -m pulumi.policy <args> <folder>`, behind the SDK's policy proxy, which hands the
// pack the stack's config).
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	isAnalyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	tc, err := resolve(req.GetInfo(), !isAnalyzer)
	if err != nil {
		return err
	}
	var args []string
	if isAnalyzer {
		args = append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
		args = append(args, req.GetInfo().GetProgramDirectory())
	} else {
		args = append([]string{req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	var proxy *sdk.PolicyProxy
	if isAnalyzer {
		cmd.Dir = req.GetInfo().GetProgramDirectory()
		if proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout); err != nil {
			return fmt.Errorf("cannot start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("cannot read the stack configuration: %w", err)
		}
		if stack != nil {
			cmd.Env = append(cmd.Env, policyEnv(stack)...)
		}
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the Python plugin: %w", err)
	}
	if proxy != nil {
		return proxy.Attach(ctx, cmd)
	}
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
