package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"datadog-crossorg/engine/internal/langhost"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	python "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// pythonCodegen is pkg/v3's Python generators: `pulumi import` prints a program, `pulumi
// package add` / `gen-sdk` write an SDK.
var pythonCodegen = langhost.Codegen{
	Program: func(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
		return python.GenerateProgram(program)
	},
	Package: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest,
		loader schema.ReferenceLoader,
	) (map[string][]byte, error) {
		return python.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	},
}

// Link adds each generated SDK to the program's dependencies (requirements.txt for pip,
// pyproject.toml for uv and poetry); `pulumi package add` then installs them.
func (h *pythonHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	linked, err := langhost.LinkedPackages(ctx, req, "python", python.Importer)
	if err != nil {
		return nil, err
	}
	opts, err := options(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	packages := map[string]string{}
	var imports strings.Builder
	for _, l := range linked {
		name := python.PyPack(l.Pkg.Namespace, l.Pkg.Name)
		alias := strings.ReplaceAll(l.Pkg.Name, "-", "_")
		if info, ok := l.Pkg.Language["python"].(python.PackageInfo); ok && info.PackageName != "" {
			name, alias = info.PackageName, info.PackageName
		}
		packages[name] = l.Path
		fmt.Fprintf(&imports, "  import %s as %s\n", name, alias)
	}
	// Before `pulumi install` a uv or poetry project may still list its dependencies in
	// requirements.txt: link there, as Pulumi's host does.
	if opts.Toolchain != toolchain.Pip {
		dir := req.GetInfo().GetProgramDirectory()
		if _, err := os.Stat(filepath.Join(dir, "pyproject.toml")); os.IsNotExist(err) {
			opts.Toolchain = toolchain.Pip
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, packages); err != nil {
		return nil, fmt.Errorf("cannot add the SDK to the program's dependencies: %w", err)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Python code with:\n\n" + imports.String(),
	}, nil
}
