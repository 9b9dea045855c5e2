import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import '../../assets/fonts/noto-sans-sc/noto-sans-sc.css';
import '../../assets/fonts/noto-sans-sc/noto-sans-sc-700.css';
import '../../assets/fonts/noto-sans-sc-rare/noto-sans-sc-rare.css';
import '../../assets/fonts/hanamin-b/hanamin-b.css';
import './styles.css';
import App from './App.vue';
import { router } from './router';

createApp(App).use(ElementPlus).use(router).mount('#app');
