"""Every string the UI shows, in English and Simplified Chinese.

Static text goes to the browser through `gr.I18n` (the browser's language picks
the translation); error messages are chosen per request from its
Accept-Language header, since gr.I18n only translates what the page renders.
"""

from __future__ import annotations

import gradio as gr

TEXT: dict[str, tuple[str, str]] = {
    # -- page ------------------------------------------------------------------------------------------------
    "title": ("# GAN Playground · Explore generative adversarial networks", "# GAN 实验室 · 动手探索生成对抗网络"),
    "subtitle": (
        "Small generators trained by this project (on Fashion-MNIST, photographs and cartoon avatars), running live on your "
        "machine. Every sampled image comes from a **seed**: the same seed always gives the same image.",
        "这里的生成器均由本项目训练（数据为 Fashion-MNIST、照片和卡通头像），在你的电脑上实时运行。"
        "每张采样图片都由一个**随机种子**决定：同一个种子永远生成同一张图。",
    ),
    "tab_overview": ("What is a GAN?", "什么是 GAN?"),
    "tab_sample": ("Random sampling", "随机采样"),
    "tab_interpolate": ("Latent interpolation", "潜在空间插值"),
    "tab_conditional": ("Conditional generation", "条件生成"),
    "overview": (
        """## Two networks, one game
A **generative adversarial network** (Goodfellow et al., 2014) trains two networks against each other:

- the **generator** G turns a random vector **z** (the *latent code*, here 100 numbers drawn from a normal distribution) into an image;
- the **discriminator** D looks at an image and outputs the probability that it is real rather than generated.

D learns to tell real from fake; G learns to fool D. Formally they play the **minimax game**

$$\\min_G \\max_D \\; \\mathbb{E}_{x\\sim p_\\text{data}}[\\log D(x)] + \\mathbb{E}_{z\\sim p_z}[\\log(1 - D(G(z)))]$$

At the game's equilibrium the generator's distribution equals the data distribution and D outputs ½ everywhere.
In practice G minimises −log D(G(z)) instead (the *non-saturating* loss), whose gradients stay strong early in training.

## Why training is unstable
- The two players chase a moving target: each update of D changes the loss surface of G and vice versa, so losses oscillate instead of going down.
- If D wins too easily, its gradients vanish and G stops learning; if G finds a few images that fool D, it may produce only those (**mode collapse**).
- Remedies shown in this app: **DCGAN**'s architecture rules (strided convolutions, batch norm, no pooling), **WGAN-GP**'s critic with a gradient penalty (a smoother distance between distributions), **conditioning** on a class label, and an **exponential moving average** of the generator's weights.

## The models here
| model | what it shows |
|---|---|
| DCGAN | the classic convolutional GAN, trained with the original (non-saturating) loss |
| WGAN-GP | same generator, trained against a Wasserstein critic with a gradient penalty |
| Conditional GAN | generator and discriminator both see the class label: you choose what to draw |
| SRGAN | a generator that enlarges photos ×4; compare it with its PSNR-oriented twin |
| pix2pix | a conditional GAN from your line drawing to a coloured picture, beside an L1-only twin |

Each model's card (training command, time, hardware, metrics, samples, loss curves) is in `checkpoints/<model>/README.md`.""",
        """## 两个网络，一场博弈
**生成对抗网络**（GAN，Goodfellow 等，2014）让两个网络相互对抗地训练：

- **生成器** G 把随机向量 **z**（*潜在编码*，这里是从正态分布中抽取的 100 个数）变成一张图片；
- **判别器** D 观察一张图片，输出它是真实图片而不是生成图片的概率。

D 学习分辨真假，G 学习骗过 D。形式上，二者进行一场**极小极大博弈**：

$$\\min_G \\max_D \\; \\mathbb{E}_{x\\sim p_\\text{data}}[\\log D(x)] + \\mathbb{E}_{z\\sim p_z}[\\log(1 - D(G(z)))]$$

在博弈的均衡点（纳什均衡），生成分布等于真实数据分布，D 处处输出 ½。
实践中 G 改为最小化 −log D(G(z))（*非饱和*损失），训练初期梯度更强。

## 为什么训练不稳定
- 双方都在追逐移动的目标：D 的每次更新都会改变 G 的损失曲面，反之亦然，所以损失会振荡而不是单调下降。
- D 赢得太轻松时梯度消失，G 学不到东西；G 找到少数能骗过 D 的图片时，可能只生成这几种（**模式崩溃**）。
- 本应用展示的改进：**DCGAN** 的结构准则（步长卷积、批归一化、不用池化）、带**梯度惩罚**的 **WGAN-GP** 评论家（更平滑的分布距离）、以类别标签为**条件**，以及生成器权重的**指数滑动平均**（EMA）。

## 这里的模型
| 模型 | 展示内容 |
|---|---|
| DCGAN | 经典卷积 GAN，使用原始（非饱和）损失训练 |
| WGAN-GP | 相同的生成器，对抗带梯度惩罚的 Wasserstein 评论家 |
| 条件 GAN | 生成器和判别器都能看到类别标签：由你决定画什么 |
| SRGAN | 把照片放大 4 倍的生成器，可与面向 PSNR 的同结构模型对比 |
| pix2pix | 从线稿生成彩色图片的条件 GAN，可与只用 L1 训练的同结构模型对比 |

每个模型的说明卡（训练命令、耗时、硬件、指标、样例、损失曲线）见 `checkpoints/<模型>/README.md`。""",
    ),
    # -- shared controls ---------------------------------------------------------------------------------------
    "model": ("Model", "模型"),
    "seed": ("Seed", "随机种子"),
    "seed_info": (
        "0 to 4294967295; the same seed always gives the same image",
        "0 到 4294967295；同一个种子永远生成同一张图",
    ),
    "dice": ("Roll a random seed", "随机换一个种子"),
    "count": ("Number of images", "图片数量"),
    "count_info": ("1 to 64 per request (seeds seed, seed+1, …)", "每次 1 到 64 张（种子依次为 seed、seed+1…）"),
    "truncation": ("Truncation ψ", "截断系数 ψ"),
    "truncation_info": (
        "0 to 2. Below 1: z is pulled towards the centre of the latent space — cleaner, more typical, less varied images",
        "0 到 2。小于 1 时把 z 拉向潜在空间中心：图片更干净、更典型，但多样性更低",
    ),
    "generate": ("Generate", "生成"),
    "images": ("Generated images (click one to enlarge or download it as PNG)", "生成的图片（点击可放大或下载 PNG）"),
    # -- sampling ------------------------------------------------------------------------------------------------
    "sample_explain": (
        "**Random sampling.** Each seed draws one latent vector z ~ N(0, I); the generator maps it to an image in a single forward pass. "
        "Try a few seeds to see how varied the generator is, and lower **ψ** (the *truncation trick*) to trade variety for quality: "
        "at ψ = 0 every seed gives the same image, the one at the centre of the latent space.",
        "**随机采样。** 每个种子抽取一个潜在向量 z ~ N(0, I)，生成器一次前向传播把它变成一张图片。"
        "多试几个种子，看看生成器的多样性；调低 **ψ**（*截断技巧*）可以用多样性换质量："
        "ψ = 0 时所有种子都生成同一张图，即潜在空间中心对应的图片。",
    ),
    # -- interpolation ---------------------------------------------------------------------------------------------
    "interpolate_explain": (
        "**Latent interpolation.** Walk in a straight line (or along a great circle) from seed A's latent vector to seed B's and "
        "generate an image at every step. Smooth, plausible in-between images mean the generator has learnt a continuous "
        "*latent space* rather than memorising training images.\n\n"
        "- **lerp** (linear): z(t) = (1 − t)·z_A + t·z_B. Halfway points have a smaller norm than typical samples "
        "(in 100 dimensions, Gaussian vectors live near a sphere of radius 10), so middle frames can look washed out.\n"
        "- **slerp** (spherical): follows the arc between z_A and z_B, keeping the norm typical, so every frame looks like a normal sample.",
        "**潜在空间插值。** 从种子 A 的潜在向量沿直线（或大圆弧）走到种子 B 的潜在向量，每一步生成一张图。"
        "中间图片平滑且合理，说明生成器学到的是连续的*潜在空间*，而不是死记训练图片。\n\n"
        "- **lerp**（线性插值）：z(t) = (1 − t)·z_A + t·z_B。中点的范数比正常样本小"
        "（100 维高斯向量集中在半径约 10 的球面附近），所以中间帧可能发灰、模糊。\n"
        "- **slerp**（球面插值）：沿 z_A 与 z_B 之间的圆弧前进，范数保持正常，每一帧都像正常样本。",
    ),
    "seed_a": ("Seed A (start)", "种子 A（起点）"),
    "seed_b": ("Seed B (end)", "种子 B（终点）"),
    "steps": ("Frames", "帧数"),
    "steps_info": ("2 to 48 frames, A and B included", "2 到 48 帧，包括 A 和 B"),
    "method": ("Path", "插值方式"),
    "frames": ("Frames from A to B", "从 A 到 B 的各帧"),
    "gif": ("Animation (GIF, plays A → B → A)", "动画（GIF，A → B → A 循环）"),
    # -- conditional ---------------------------------------------------------------------------------------------
    "conditional_explain": (
        "**Conditional GAN.** Both networks receive the class label y: the generator draws G(z, y) and the discriminator judges "
        "whether an image is a *real example of class y*. Here the generator injects y through **conditional batch norm** "
        "(each class has its own scale and shift in every layer) and the discriminator is a **projection discriminator** "
        "(it scores the match between image features and a learnt class embedding), helped by an auxiliary class loss. "
        "The noise z then only controls *how* the item is drawn (shape, thickness, pattern), and the label controls *what* is drawn.",
        "**条件 GAN。** 两个网络都接收类别标签 y：生成器画出 G(z, y)，判别器判断图片是否是*类别 y 的真实样本*。"
        "这里生成器通过**条件批归一化**注入 y（每个类别在每一层都有自己的缩放和偏移），判别器是**投影判别器**"
        "（为图片特征与学到的类别嵌入的匹配程度打分），并辅以一个辅助分类损失。"
        "于是噪声 z 只决定*怎么画*（形状、粗细、花纹），标签决定*画什么*。",
    ),
    "class": ("Class", "类别"),
    "class_gallery": ("Images of the chosen class", "所选类别的图片"),
    "class_grid": (
        "Class × seed grid: each column shares one z, each row is one class",
        "类别 × 种子网格：每一列共用同一个 z，每一行是一个类别",
    ),
    "limits": (
        "Limits: at most 64 images and 48 interpolation frames per request; seeds 0–4294967295; ψ between 0 and 2.",
        "限制：每次最多 64 张图、48 帧插值；种子 0–4294967295；ψ 取 0 到 2。",
    ),
    # -- super-resolution -------------------------------------------------------------------------------------------
    "tab_superres": ("Super-resolution", "超分辨率"),
    "superres_explain": (
        "**Super-resolution** enlarges a photo ×4 by *predicting* the detail that the small image lost. The generator is an "
        "**SRResNet** (residual blocks, sub-pixel upsampling; Ledig et al. 2017) trained on photos and their bicubic ×4 reductions.\n\n"
        "- **PSNR-oriented model** (pixel loss only): one small patch fits many sharp originals, and a pixel loss is lowest for their "
        "*average* — faithful, but blurry.\n"
        "- **SRGAN** adds a **discriminator** and an **adversarial loss**: an average looks fake, so the generator commits to one plausible "
        "sharp texture. Crisper, but part of the detail is *invented* (hair, foliage, lettering need not match the original).\n"
        "- **Perception–distortion trade-off** (Blau & Michaeli 2018): no method can be at once most faithful (lowest distortion: "
        "highest PSNR/SSIM) and most realistic. Tick **known-answer test** to measure it: the GAN model usually scores lower PSNR than the "
        "PSNR-oriented model, yet looks sharper.\n"
        "- **Network interpolation** (ESRGAN, Wang et al. 2018): the GAN model was fine-tuned from the PSNR-oriented one, so their weights "
        "can be mixed, θ = (1 − α)·θ_PSNR + α·θ_GAN; the α slider walks along the trade-off without retraining.\n"
        "- **Tiling**: large images are processed in tiles that overlap by the network's receptive field, so the result equals one pass "
        "over the whole image while memory stays that of one tile.",
        "**超分辨率**通过*预测*小图丢失的细节，把照片放大 4 倍。这里的生成器是 **SRResNet**（残差块 + 亚像素卷积上采样；Ledig 等，2017），"
        "用照片及其双三次插值缩小 4 倍的版本成对训练。\n\n"
        "- **面向 PSNR 的模型**（只用像素损失）：同一个低分辨率小块可能对应许多种清晰原图，而像素损失在它们的*平均*处最小——"
        "结果忠实，但偏模糊。\n"
        "- **SRGAN** 加入**判别器**和**对抗损失**：平均出来的模糊图一看就是假的，于是生成器只能选定一种合理的清晰纹理。"
        "画面更锐利，但部分细节是“编”出来的（头发、树叶、文字未必与原图一致）。\n"
        "- **感知–失真权衡**（Blau & Michaeli，2018）：任何方法都不可能同时做到最忠实（失真最小：PSNR/SSIM 最高）和最逼真。"
        "勾选**已知答案测试**即可量化：GAN 模型的 PSNR 通常低于面向 PSNR 的模型，看起来却更清晰。\n"
        "- **网络插值**（ESRGAN，Wang 等，2018）：GAN 模型是从面向 PSNR 的模型微调而来的，二者的权重可以直接混合，"
        "θ = (1 − α)·θ_PSNR + α·θ_GAN；拖动 α 滑块即可沿着这条权衡曲线移动，无需重新训练。\n"
        "- **分块处理**：大图被切成若干块分别处理，块与块之间重叠网络的感受野宽度，因此结果与整图一次处理完全相同，内存占用却只有一块的大小。",
    ),
    "sr_upload": ("Image to enlarge", "要放大的图片"),
    "sr_examples": ("Example photos", "示例照片"),
    "sr_alpha": ("PSNR ↔ GAN α", "PSNR ↔ GAN α"),
    "sr_alpha_info": (
        "Network interpolation. 0: the PSNR-oriented model (faithful, smooth) · 1: the GAN model (sharp, partly invented texture) · in between: their weights blended",
        "网络插值。0：面向 PSNR 的模型（忠实、平滑）· 1：GAN 模型（锐利，部分纹理是“编”出来的）· 中间值：两者权重按比例混合",
    ),
    "sr_alpha_off_info": (
        "No effect for this model: it was not fine-tuned from a PSNR-oriented model (or that model is not installed)",
        "对该模型无效：它不是从面向 PSNR 的模型微调而来（或该基础模型未安装）",
    ),
    "sr_known": ("Known-answer test", "已知答案测试"),
    "sr_known_info": (
        "Shrink your image ×4 first, enlarge it back, and measure PSNR and SSIM against your original",
        "先把图片缩小到 1/4，再放大回来，并以原图为标准计算 PSNR 和 SSIM",
    ),
    "sr_go": ("Enlarge ×4", "放大 ×4"),
    "sr_slider": (
        "Bicubic interpolation (left) ↔ model (right): drag the handle",
        "双三次插值（左）↔ 模型（右）：拖动中间的把手对比",
    ),
    "sr_download": ("Full-resolution result (PNG)", "全分辨率结果（PNG）"),
    "sr_limits": (
        "PNG, JPEG, GIF, WebP, BMP or TIFF, at most 2048 × 2048 pixels (4,194,304 pixels), so the result is at most "
        "8192 × 8192. Animated images: the first frame is used; transparency is kept.",
        "支持 PNG、JPEG、GIF、WebP、BMP 或 TIFF，每张最多 2048 × 2048 像素（4,194,304 像素），因此结果最大为 8192 × 8192。"
        "动图只使用第一帧；透明通道会保留。",
    ),
    "sr_none": (
        "No super-resolution model is installed yet (expected in `checkpoints/srresnet-photo-x4` and `checkpoints/srgan-photo-x4`).",
        "尚未安装超分辨率模型（应位于 `checkpoints/srresnet-photo-x4` 和 `checkpoints/srgan-photo-x4`）。",
    ),
    # -- image-to-image translation ---------------------------------------------------------------------------------
    "tab_translate": ("Image-to-image translation", "图像到图像翻译"),
    "translate_explain": (
        "**Image-to-image translation** turns one picture into another — here a line drawing into a coloured avatar — with "
        "**pix2pix** (Isola et al. 2017), a *conditional* GAN: the generator starts from your drawing instead of random noise.\n\n"
        "- **Generator: a U-Net.** An encoder shrinks the drawing to a compact code and a decoder grows it back; **skip connections** "
        "hand each decoder level the encoder's features at the same resolution, so your lines arrive in the output exactly where you drew them.\n"
        "- **Discriminator: a PatchGAN.** It sees the drawing beside a picture and judges every 70 × 70 pixel patch real or fake, "
        "so it polices local texture and sharpness, while the L1 loss keeps the overall colours close to the training pictures.\n"
        "- **Why L1 alone is blurry:** one drawing fits many colourings, and an L1 (pixel) loss is lowest for their median — a washed-out "
        "compromise (right: the same U-Net trained without a discriminator). The **adversarial loss** punishes such averages, because real "
        "pictures are never blurry, so the generator commits to one plausible, crisp answer.\n"
        "- **Noise:** pix2pix has no z vector; during training **dropout** provides the randomness. Here the model runs in evaluation "
        "mode (no dropout), so one drawing always gives the same picture.\n\n"
        "Your drawing is cleaned to black lines on white, padded with white to a square (its proportions are kept) and resized to the model's input size.",
        "**图像到图像翻译**把一张图变成另一张图——这里是把线稿变成彩色头像。所用方法是 **pix2pix**（Isola 等，2017），"
        "一种*条件* GAN：生成器的出发点是你的线稿，而不是随机噪声。\n\n"
        "- **生成器：U-Net。** 编码器把线稿逐步压缩成紧凑的编码，解码器再把它逐步放大还原；**U-Net 跳跃连接**把编码器同一分辨率的特征"
        "直接送给解码器的对应层，所以你画的线条会准确地出现在输出中相同的位置。\n"
        "- **判别器：PatchGAN。** 它把线稿和图片并排输入，对每个 70 × 70 像素的小块分别判断真假，因此专门约束局部纹理和清晰度；"
        "整体颜色则由 L1 损失拉近训练图片。\n"
        "- **为什么只用 L1 会模糊：** 同一张线稿可以有许多种上色方式，而 L1（像素）损失在它们的中位数处最小——结果是一个灰蒙蒙的折中"
        "（右图：同一个 U-Net 不用判别器、只用 L1 训练的结果）。**对抗损失**会惩罚这种“平均”，因为真实图片从来不模糊，"
        "于是生成器只能选定一种合理而清晰的答案。\n"
        "- **噪声：** pix2pix 没有 z 向量，训练时的随机性来自 **dropout**。这里模型以推理模式运行（不用 dropout），"
        "所以同一张线稿永远得到同一张图。\n\n"
        "你的线稿会被整理成白底黑线，用白色补成正方形（保持原有比例），再缩放到模型的输入尺寸。",
    ),
    "tr_source": ("Input", "输入方式"),
    "tr_source_sketch": ("Draw on the canvas", "在画布上画"),
    "tr_source_drawing": ("Upload a drawing (dark lines on a light background)", "上传线稿（浅色背景、深色线条）"),
    "tr_source_picture": (
        "Upload a picture or photo (its edges are extracted first)",
        "上传图片或照片（先自动提取边缘）",
    ),
    "tr_canvas": (
        "Draw with the black brush: brush, eraser and brush size are on the left of the canvas; undo, redo and clear at its top right.",
        "用黑色画笔作画：画笔、橡皮擦和笔刷粗细在画布左侧；撤销、重做和清空在画布右上角。",
    ),
    "tr_upload": ("Drawing or picture", "线稿或图片"),
    "tr_examples": ("Example drawings: click one, then draw on it", "示例线稿：点击载入，可以在上面接着画"),
    "tr_go": ("Turn it into a picture", "生成图片"),
    "tr_seen": ("What the generator sees", "生成器看到的输入"),
    "tr_result": ("Chosen model", "所选模型"),
    "tr_l1": ("L1 only, no discriminator", "仅 L1 损失，无判别器"),
    "tr_limits": (
        "Uploads: PNG, JPEG, GIF, WebP, BMP or TIFF, at most 2048 × 2048 pixels. Transparent areas count as white paper; "
        "lines of any colour count as ink.",
        "上传：支持 PNG、JPEG、GIF、WebP、BMP 或 TIFF，最多 2048 × 2048 像素。透明区域视为白纸；任何颜色的线条都视为墨迹。",
    ),
    "tr_none": (
        "No image-to-image model is installed yet (expected in `checkpoints/pix2pix-edges2avatars`).",
        "尚未安装图像到图像翻译模型（应位于 `checkpoints/pix2pix-edges2avatars`）。",
    ),
}

# Fashion-MNIST class names as the UI shows them in Chinese.
CLASS_NAMES_ZH = {
    "T-shirt/top": "T恤/上衣", "Trouser": "裤子", "Pullover": "套头衫", "Dress": "连衣裙", "Coat": "外套",
    "Sandal": "凉鞋", "Shirt": "衬衫", "Sneaker": "运动鞋", "Bag": "包", "Ankle boot": "短靴",
}  # fmt: skip

ERRORS: dict[str, tuple[str, str]] = {
    "not_a_number": ("{name} must be a finite number, got {value!r}.", "{name}必须是有限的数字，收到的是 {value!r}。"),
    "not_an_integer": ("{name} must be a whole number, got {value}.", "{name}必须是整数，收到的是 {value}。"),
    "out_of_range": (
        "{name} must be between {low} and {high}, got {value}.",
        "{name}必须在 {low} 到 {high} 之间，收到的是 {value}。",
    ),
    "unknown_model": ("Unknown model {value!r}. Available: {choices}.", "未知模型 {value!r}。可选：{choices}。"),
    "unknown_class": (
        "Unknown class {value!r}. This model draws: {choices}.",
        "未知类别 {value!r}。该模型可生成：{choices}。",
    ),
    "unknown_method": (
        "Path must be 'lerp' or 'slerp', got {value!r}.",
        "插值方式必须是 'lerp' 或 'slerp'，收到的是 {value!r}。",
    ),
    "needs_conditional": ("{value!r} is not a class-conditional model.", "{value!r} 不是条件生成模型。"),
    "needs_unconditional": (
        "{value!r} needs a class: use the conditional tab.",
        "{value!r} 需要指定类别：请使用条件生成页。",
    ),
    "wrong_tab": (
        "{value!r} is a model for the “{tab}” tab. Models here: {choices}.",
        "{value!r} 是“{tab}”页的模型。本页可用的模型：{choices}。",
    ),
    "not_a_flag": ("{name} must be true or false, got {value!r}.", "{name}必须是 true 或 false，收到的是 {value!r}。"),
    "no_image": ("No image was given: upload an image first.", "没有收到图片：请先上传一张图片。"),
    "too_large": (
        "{name} is {size}, above the limit of {limit:,} pixels (2048 × 2048): please upload a smaller image.",
        "{name} 的尺寸是 {size}，超过了 {limit:,} 像素（2048 × 2048）的上限：请上传更小的图片。",
    ),
    "unreadable": (
        "{name} is not a readable image: it is corrupt, truncated, or not a PNG, JPEG, GIF, WebP, BMP or TIFF file.",
        "{name} 不是可读取的图片：文件已损坏、不完整，或者不是 PNG、JPEG、GIF、WebP、BMP 或 TIFF 格式。",
    ),
    "too_small_known": (
        "The known-answer test shrinks the image ×{scale} first, so it needs at least {side} × {side} pixels; this one is {width} × {height}.",
        "已知答案测试会先把图片缩小到 1/{scale}，因此图片至少需要 {side} × {side} 像素；这张是 {width} × {height}。",
    ),
    "model_failed": (
        "The model produced invalid values (NaN or infinity): its weights may be corrupt.",
        "模型输出了无效数值（NaN 或无穷大）：它的权重文件可能已损坏。",
    ),
    "unknown_source": (
        "Input must be 'sketch', 'drawing' or 'picture', got {value!r}.",
        "输入方式必须是 'sketch'、'drawing' 或 'picture'，收到的是 {value!r}。",
    ),
    "draw_first": (
        "The canvas is empty: draw something first (or click an example).",
        "画布是空的：请先画点什么（或点击一个示例）。",
    ),
    "no_lines": (
        "No lines found in {name}: upload dark lines on a light background, or choose “Upload a picture” to extract its edges.",
        "在 {name} 中没有找到线条：请上传浅色背景上的深色线稿，或选择“上传图片或照片”来自动提取边缘。",
    ),
    "no_edges": (
        "No edges found in {name}: the picture looks flat. Try one with clear outlines.",
        "在 {name} 中没有找到边缘：这张图片几乎是纯色的。请换一张轮廓清晰的图片。",
    ),
}

# Per-request notes under a result, in the request's language.
NOTES: dict[str, tuple[str, str]] = {
    "sr_sizes": (
        "Input {w0} × {h0} → result {w1} × {h1} (×{scale}).",
        "输入 {w0} × {h0} → 结果 {w1} × {h1}（×{scale}）。",
    ),
    "sr_model": ("Model: {title}.", "模型：{title}。"),
    "sr_blend": (
        "Network interpolation α = {alpha:.2f}: weights = {psnr_share:.2f} × {psnr} + {alpha:.2f} × {gan}.",
        "网络插值 α = {alpha:.2f}：权重 = {psnr_share:.2f} × {psnr} + {alpha:.2f} × {gan}。",
    ),
    "sr_alpha_ignored": (
        "Model: {title}. α has no effect: {model} has no PSNR-oriented base model installed to blend with.",
        "模型：{title}。α 不起作用：{model} 没有可供混合的面向 PSNR 的基础模型。",
    ),
    "sr_progress": ("Enlarging ×{scale}", "正在放大 ×{scale}"),
    "sr_time": ("Took {seconds:.2f} s on {device}.", "耗时 {seconds:.2f} 秒（{device}）。"),
    "sr_tiles": (
        "Processed in {tiles} tiles of at most {tile} × {tile} input pixels (overlapping by {radius} pixels: same result as in one piece).",
        "分成 {tiles} 块处理，每块最多 {tile} × {tile} 个输入像素（相互重叠 {radius} 像素：结果与整图一次处理相同）。",
    ),
    "sr_display": (
        "The slider shows both images reduced to {side} pixels on the long side; the PNG file is full size.",
        "滑块中的两张图已缩小到长边 {side} 像素以便显示；PNG 文件是全尺寸的。",
    ),
    "sr_known": (
        "Known-answer test: your image ({w} × {h}) was shrunk to {lw} × {lh}, then enlarged back by bicubic interpolation and by the model.",
        "已知答案测试：你的图片（{w} × {h}）先被缩小到 {lw} × {lh}，再分别用双三次插值和模型放大回来。",
    ),
    "sr_known_crop": (
        "Its sides were first cut down to multiples of {scale} ({w} × {h}); the scores compare with that crop.",
        "为此先把图片的宽和高裁成 {scale} 的倍数（{w} × {h}），得分也以裁剪后的图为标准。",
    ),
    "sr_known_alpha": (
        "Transparency is left out of the test: only the colours are scored.",
        "测试不考虑透明通道：只对颜色打分。",
    ),
    "sr_metrics": (
        "| | PSNR (dB) ↑ | SSIM ↑ |\n|---|---|---|\n| bicubic interpolation | {bicubic_psnr:.2f} | {bicubic_ssim:.4f} |\n"
        "| model | {model_psnr:.2f} | {model_ssim:.4f} |\n\n"
        "Higher is closer to your original (measured on luma, {scale} border pixels left out). A GAN model often scores lower than the "
        "PSNR-oriented one while looking sharper: the perception–distortion trade-off.",
        "| | PSNR（dB）↑ | SSIM ↑ |\n|---|---|---|\n| 双三次插值 | {bicubic_psnr:.2f} | {bicubic_ssim:.4f} |\n"
        "| 模型 | {model_psnr:.2f} | {model_ssim:.4f} |\n\n"
        "数值越高越接近原图（在亮度通道上计算，去掉 {scale} 像素的边框）。GAN 模型的得分常常低于面向 PSNR 的模型，看起来却更清晰："
        "这就是感知–失真权衡。",
    ),
    "tr_model": (
        "{title}: the drawing was resized to {size} × {size} pixels.",
        "{title}：线稿已缩放到 {size} × {size} 像素。",
    ),
    "tr_padded": (
        "It was not square, so it was padded with white to keep its proportions.",
        "线稿不是正方形，因此用白色补齐以保持比例。",
    ),
    "tr_edges": (
        "Edges were extracted from your picture: see “What the generator sees”.",
        "已从你的图片中提取边缘：见“生成器看到的输入”。",
    ),
    "tr_baseline": (
        "Right: {title}, the same U-Net trained with L1 only.",
        "右图：{title}，同一个 U-Net 只用 L1 损失训练。",
    ),
    "tr_no_baseline": (
        "No L1-only model of the same size is installed to compare with.",
        "没有安装同尺寸的仅 L1 模型可供对比。",
    ),
    # what imaging.decode_upload did to an upload (its notes are English; these are their translations)
    "animated image: only the first frame was used": (
        "Animated image: only the first frame was used.",
        "动图：只使用了第一帧。",
    ),
    "EXIF orientation applied": (
        "The EXIF orientation was applied (the photo was turned upright).",
        "已按 EXIF 方向信息把照片转正。",
    ),
    "16-bit image converted to 8-bit": ("16-bit image converted to 8 bits.", "16 位图像已转换为 8 位。"),
    "32-bit image converted to 8-bit": ("32-bit image converted to 8 bits.", "32 位图像已转换为 8 位。"),
    "CMYK image converted to RGB": ("CMYK image converted to RGB.", "CMYK 图像已转换为 RGB。"),
    "alpha": (
        "Transparency kept: the alpha channel was enlarged by bicubic interpolation.",
        "已保留透明通道：透明度用双三次插值放大。",
    ),
}

i18n = gr.I18n(
    en={key: en for key, (en, _) in TEXT.items()},
    **{"zh-CN": {key: zh for key, (_, zh) in TEXT.items()}, "zh": {key: zh for key, (_, zh) in TEXT.items()}},
)


def language(request: gr.Request | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    header = (request.headers.get("accept-language", "") if request is not None else "") or ""
    first = header.split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def error(key: str, request: gr.Request | None, **values: object) -> gr.Error:
    en, zh = ERRORS[key]
    return gr.Error((zh if language(request) == "zh" else en).format(**values))


def note(key: str, request: gr.Request | None, **values: object) -> str:
    """A line of NOTES in the request's language; an unknown key (a note from gan_demo) is passed through."""
    if key not in NOTES:
        return key
    en, zh = NOTES[key]
    return (zh if language(request) == "zh" else en).format(**values)


def field_name(key: str, request: gr.Request | None) -> str:
    """A control's label in the request's language, for error messages."""
    en, zh = TEXT[key]
    return zh if language(request) == "zh" else en


def class_label(name: str) -> str:
    """'Sneaker · 运动鞋' for the class dropdown; the value stays the English name."""
    zh = CLASS_NAMES_ZH.get(name)
    return f"{name} · {zh}" if zh else name
