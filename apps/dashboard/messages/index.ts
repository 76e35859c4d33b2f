/**
 * Every message catalogue, one JSON file per namespace and locale, imported statically so the build bundles
 * them and the type check knows each key (i18n/app-config.d.ts). A new namespace is one line per locale here;
 * test/messages.test.ts checks that both languages have the same keys and the same ICU arguments.
 */
import enCommon from './en/common.json';
import enNav from './en/nav.json';
import koCommon from './ko/common.json';
import koNav from './ko/nav.json';

const en = {
  common: enCommon,
  nav: enNav,
};

const ko: typeof en = {
  common: koCommon,
  nav: koNav,
};

export const messages = { en, ko };
