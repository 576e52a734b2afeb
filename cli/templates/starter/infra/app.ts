import { synthSpineApp } from 'spine/infra';
import { catalog } from '../catalog';

// `npx cdk synth` / `npx cdk deploy`: streams, consumers, tables and the ingress, all from the catalog.
// Entries are relative to this project's root (where cdk.json is). `-c stage=NAME` deploys a copy.
synthSpineApp({ catalog });
