export { installLazySourceMaps } from './install';
