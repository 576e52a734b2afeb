import { catalog } from '../catalog';
import { synthSpineApp } from './spine-app';

// This repository's own CDK app (`cdk.json`): the example catalog, entries laid out from the repo root.
// Context flags (`-c stage=NAME`, `-c retain=false`, …): see `synthSpineApp` and docs/deploy.md.
synthSpineApp({ catalog });
