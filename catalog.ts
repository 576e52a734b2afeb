/**
 * The catalog this project deploys and runs locally. The CDK app (`infra/`), the functions and local
 * mode all import it from here; replace the re-export with your own catalog to drop the example.
 */
export { catalog } from './example/catalog';
